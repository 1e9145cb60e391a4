# Project-wide compile flags applied to every usdcop target via usdcop_target_defaults().
add_library(usdcop_flags INTERFACE)
target_compile_options(usdcop_flags INTERFACE -Wall -Wextra -Wpedantic)
if(USDCOP_WERROR)
  target_compile_options(usdcop_flags INTERFACE -Werror)
endif()
if(USDCOP_SANITIZE)
  target_compile_options(usdcop_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(usdcop_flags INTERFACE -fsanitize=address,undefined)
endif()

function(usdcop_module name)
  # usdcop_module(<name> SOURCES ... DEPS ...): one static library per module, named usdcop_<name>.
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(usdcop_${name} STATIC ${M_SOURCES})
  target_include_directories(usdcop_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(usdcop_${name} PUBLIC usdcop_flags ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  set_property(GLOBAL APPEND PROPERTY USDCOP_MODULE_TARGETS usdcop_${name})
endfunction()
