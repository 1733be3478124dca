# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the systemd units, D-Bus files and polkit actions go: asked of pkg-config (systemd,
# dbus-1, polkit-gobject-1) for the configured prefix, so that a /usr build puts the system unit
# where the distribution's systemd (and debhelper) look for it, and any other prefix keeps every
# file inside itself. Each directory is a cache variable; empty (the default) means "ask pkg-config".
# A directory inside the prefix is kept relative, so `cmake --install --prefix P` relocates it.
#
# bgtaskd_install_configured(): a file whose contents name installed paths (unit, D-Bus service,
# bgtask.pc) is configured at install time, from the prefix actually installed to.

set(BGTASKD_SYSTEMD_SYSTEM_UNIT_DIR "" CACHE PATH "systemd system unit directory (empty: pkg-config systemd)")
set(BGTASKD_SYSTEMD_USER_UNIT_DIR "" CACHE PATH "systemd user unit directory (empty: pkg-config systemd)")
set(BGTASKD_DBUS_SESSION_SERVICES_DIR "" CACHE PATH "D-Bus session services directory (empty: pkg-config dbus-1)")
set(BGTASKD_DBUS_SYSTEM_SERVICES_DIR "" CACHE PATH "D-Bus system services directory (empty: pkg-config dbus-1)")
set(BGTASKD_DBUS_SYSTEM_POLICY_DIR "" CACHE PATH "D-Bus system bus policy directory (empty: pkg-config dbus-1)")
set(BGTASKD_POLKIT_ACTIONS_DIR "" CACHE PATH "polkit actions directory (empty: pkg-config polkit-gobject-1)")

find_program(BGTASKD_PKG_CONFIG NAMES pkg-config pkgconf)
mark_as_advanced(BGTASKD_PKG_CONFIG)

# _bgtaskd_install_dir(<out> <cache value> <module> <variable> <suffix> <fallback>): the directory
# <module>'s <variable> names for our prefix (plus <suffix>), or <fallback> under the prefix.
function(_bgtaskd_install_dir out value module variable suffix fallback)
  set(dir "${value}")
  if(dir STREQUAL "")
    set(defines)
    if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
      # systemd.pc keeps system units under root_prefix (/ on merged-usr-less bookworm): outside
      # /usr, the prefix stands for both.
      set(defines "--define-variable=prefix=${CMAKE_INSTALL_PREFIX}"
                  "--define-variable=root_prefix=${CMAKE_INSTALL_PREFIX}")
    endif()
    if(BGTASKD_PKG_CONFIG)
      execute_process(COMMAND ${BGTASKD_PKG_CONFIG} ${defines} --variable=${variable} ${module}
                      OUTPUT_VARIABLE dir RESULT_VARIABLE failed OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    else()
      set(failed 1)
    endif()
    if(failed OR dir STREQUAL "")
      set(dir "${fallback}")
    else()
      string(APPEND dir "${suffix}")
    endif()
  endif()
  # Inside the prefix: relative, so that an install to another prefix takes it along.
  if(IS_ABSOLUTE "${dir}")
    cmake_path(NORMAL_PATH dir)
    cmake_path(IS_PREFIX CMAKE_INSTALL_PREFIX "${dir}" NORMALIZE inside)
    if(inside)
      cmake_path(RELATIVE_PATH dir BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}")
    endif()
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

_bgtaskd_install_dir(BGTASKD_INSTALL_SYSTEM_UNIT_DIR "${BGTASKD_SYSTEMD_SYSTEM_UNIT_DIR}"
                     systemd systemdsystemunitdir "" lib/systemd/system)
_bgtaskd_install_dir(BGTASKD_INSTALL_USER_UNIT_DIR "${BGTASKD_SYSTEMD_USER_UNIT_DIR}"
                     systemd systemduserunitdir "" lib/systemd/user)
_bgtaskd_install_dir(BGTASKD_INSTALL_SESSION_SERVICES_DIR "${BGTASKD_DBUS_SESSION_SERVICES_DIR}"
                     dbus-1 session_bus_services_dir "" ${CMAKE_INSTALL_DATADIR}/dbus-1/services)
_bgtaskd_install_dir(BGTASKD_INSTALL_SYSTEM_SERVICES_DIR "${BGTASKD_DBUS_SYSTEM_SERVICES_DIR}"
                     dbus-1 system_bus_services_dir "" ${CMAKE_INSTALL_DATADIR}/dbus-1/system-services)
_bgtaskd_install_dir(BGTASKD_INSTALL_SYSTEM_POLICY_DIR "${BGTASKD_DBUS_SYSTEM_POLICY_DIR}"
                     dbus-1 datadir /dbus-1/system.d ${CMAKE_INSTALL_DATADIR}/dbus-1/system.d)
_bgtaskd_install_dir(BGTASKD_INSTALL_POLKIT_ACTIONS_DIR "${BGTASKD_POLKIT_ACTIONS_DIR}"
                     polkit-gobject-1 policydir "" ${CMAKE_INSTALL_DATADIR}/polkit-1/actions)

# bgtaskd_install_configured(<template> DESTINATION <dir> [RENAME <name>] [COMPONENT <c>]
#                            [VARIABLES <name>=<value>...]): configure <template> (@ONLY) when
# installing and install the result. In each value, @prefix@ stands for the prefix installed to;
# the template may also use @prefix@ and @PROJECT_VERSION@.
function(bgtaskd_install_configured template)
  cmake_parse_arguments(arg "" "DESTINATION;RENAME;COMPONENT" "VARIABLES" ${ARGN})
  get_filename_component(name "${template}" NAME)
  string(REGEX REPLACE "\\.in$" "" name "${name}")
  if(arg_RENAME)
    set(name "${arg_RENAME}")
  endif()
  if(NOT arg_COMPONENT)
    set(arg_COMPONENT Unspecified)
  endif()
  get_filename_component(template "${template}" ABSOLUTE)
  string(MD5 key "${template}${arg_DESTINATION}${name}")
  set(out "${CMAKE_CURRENT_BINARY_DIR}/install-time/${key}/${name}")
  set(code "set(prefix \"\${CMAKE_INSTALL_PREFIX}\")\nset(PROJECT_VERSION \"${PROJECT_VERSION}\")\n")
  foreach(assignment IN LISTS arg_VARIABLES)
    string(REGEX MATCH "^([A-Za-z_0-9]+)=(.*)$" _ "${assignment}")
    string(REPLACE "\${" "\\\${" value "${CMAKE_MATCH_2}")   # a literal ${...} stays literal
    string(REPLACE "@prefix@" "\${CMAKE_INSTALL_PREFIX}" value "${value}")
    string(APPEND code "set(${CMAKE_MATCH_1} \"${value}\")\n")
  endforeach()
  string(APPEND code "configure_file(\"${template}\" \"${out}\" @ONLY)\n")
  install(CODE "${code}" COMPONENT ${arg_COMPONENT})
  install(FILES "${out}" DESTINATION "${arg_DESTINATION}" COMPONENT ${arg_COMPONENT})
endfunction()

# bgtaskd_install_path(<out> <dir>): <dir> as written into an installed file: absolute, with
# @prefix@ for the install prefix when <dir> is relative.
function(bgtaskd_install_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "@prefix@/${dir}" PARENT_SCOPE)
  endif()
endfunction()
