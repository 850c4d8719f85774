# SPDX-License-Identifier: Apache-2.0
# Installs asyncbo into a temporary prefix, then builds and runs the example
# as a separate project that finds asyncbo with find_package.
# Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
macro(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endmacro()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${WORK_DIR}/build
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/custom_objective ${WORK_DIR}/out)
if(NOT EXISTS ${WORK_DIR}/out/summary.json)
  message(FATAL_ERROR "the example wrote no summary.json")
endif()
run(${WORK_DIR}/prefix/bin/asyncbo --version)
message(STATUS "installed package found and used: ok")
file(REMOVE_RECURSE ${WORK_DIR})
