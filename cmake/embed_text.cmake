# Writes OUT, a C++ source defining `const char NAME[]` (the text of IN) and
# `const char NAME##Name[]` (LABEL), in namespace saleskit::cli.
# Usage: cmake -DIN=file -DOUT=file.cc -DNAME=kSymbol -DLABEL=text -P embed_text.cmake
file(READ "${IN}" text)
set(delim "sk_embedded")  # raw-string delimiters are at most 16 characters
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )${delim}\"")
endif()
set(body "// Generated from ${LABEL} by cmake/embed_text.cmake; do not edit.\n")
string(APPEND body "namespace saleskit::cli {\n")
string(APPEND body "extern const char ${NAME}Name[] = \"${LABEL}\";\n")
string(APPEND body "extern const char ${NAME}[] = R\"${delim}(${text})${delim}\";\n")
string(APPEND body "}  // namespace saleskit::cli\n")
# Rewrite only on change, so that dependants are not rebuilt for nothing.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL body)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${body}")
