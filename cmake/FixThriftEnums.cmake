# Gives the enums thrift-compiler generates a fixed underlying type (int32_t, as on the
# wire). Without one, an out-of-range value read from a corrupt file would be undefined
# behaviour the moment it is loaded; with one, every int32 is a valid value that the reader
# rejects with a clear error.
#   cmake -DHEADER=<generated parquet_types.h> -P FixThriftEnums.cmake
file(READ "${HEADER}" content)
string(REPLACE "  enum type {" "  enum type : int32_t {" content "${content}")
file(WRITE "${HEADER}" "${content}")
