# SPDX-License-Identifier: LGPL-2.1-or-later
# bgtaskd_dbus_glue(<Interface>): generate <Interface>-adaptor.h and <Interface>-proxy.h
# from dbus/org.bgtaskd.<Interface>.xml into the build tree with sdbus-c++-xml2cpp.
function(bgtaskd_dbus_glue target)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/glue/bgtask-glue)
  set(outputs)
  foreach(iface IN LISTS ARGN)
    set(xml ${CMAKE_CURRENT_SOURCE_DIR}/org.bgtaskd.${iface}.xml)
    add_custom_command(
      OUTPUT ${gen}/${iface}-adaptor.h ${gen}/${iface}-proxy.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${gen}
      COMMAND SDBusCpp::sdbus-c++-xml2cpp ${xml}
              --adaptor=${gen}/${iface}-adaptor.h --proxy=${gen}/${iface}-proxy.h
      DEPENDS ${xml}
      COMMENT "Generating D-Bus glue for org.bgtaskd.${iface}"
      VERBATIM)
    list(APPEND outputs ${gen}/${iface}-adaptor.h ${gen}/${iface}-proxy.h)
  endforeach()
  add_custom_target(${target}_gen DEPENDS ${outputs})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} SYSTEM INTERFACE ${CMAKE_CURRENT_BINARY_DIR}/glue)
  target_link_libraries(${target} INTERFACE SDBusCpp::sdbus-c++)
endfunction()
