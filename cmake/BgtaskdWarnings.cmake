# SPDX-License-Identifier: LGPL-2.1-or-later
# Warning and sanitizer flags shared by every target of the project.
add_library(bgtaskd_flags INTERFACE)
target_compile_options(bgtaskd_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2 -Wmissing-declarations
  $<$<BOOL:${BGTASKD_WERROR}>:-Werror>)
if(BGTASKD_SANITIZE)
  string(REPLACE ";" "," _bgtaskd_san "${BGTASKD_SANITIZE}")
  add_compile_options(-fsanitize=${_bgtaskd_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_bgtaskd_san})
endif()
