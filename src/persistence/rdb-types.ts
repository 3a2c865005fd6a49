// Why: the RDB format's numbers (rdb.h of Redis 7.0, plus the two 7.2 types eddy can also read):
// object types, opcodes, length encodings, in one place for the writer and the reader.

export const RDB_VERSION = 10;

export const T_STRING = 0;
export const T_LIST = 1;
export const T_SET = 2;
export const T_ZSET = 3;
export const T_HASH = 4;
export const T_ZSET_2 = 5;
export const T_MODULE = 6;
export const T_MODULE_2 = 7;
export const T_HASH_ZIPMAP = 9;
export const T_LIST_ZIPLIST = 10;
export const T_SET_INTSET = 11;
export const T_ZSET_ZIPLIST = 12;
export const T_HASH_ZIPLIST = 13;
export const T_LIST_QUICKLIST = 14;
export const T_STREAM_LISTPACKS = 15;
export const T_HASH_LISTPACK = 16;
export const T_ZSET_LISTPACK = 17;
export const T_LIST_QUICKLIST_2 = 18;
export const T_STREAM_LISTPACKS_2 = 19;
/** Redis 7.2 (RDB 11) */
export const T_SET_LISTPACK = 20;
/** Redis 7.2 (RDB 11) */
export const T_STREAM_LISTPACKS_3 = 21;

export const OP_FUNCTION2 = 245;
export const OP_FUNCTION = 246;
export const OP_MODULE_AUX = 247;
export const OP_IDLE = 248;
export const OP_FREQ = 249;
export const OP_AUX = 250;
export const OP_RESIZEDB = 251;
export const OP_EXPIRETIME_MS = 252;
export const OP_EXPIRETIME = 253;
export const OP_SELECTDB = 254;
export const OP_EOF = 255;

/** The 2-bit length prefixes (rdbSaveLen / rdbLoadLen). */
export const LEN_6BIT = 0;
export const LEN_14BIT = 1;
export const LEN_32BIT = 0x80;
export const LEN_64BIT = 0x81;
export const LEN_ENCVAL = 3;
export const ENC_INT8 = 0;
export const ENC_INT16 = 1;
export const ENC_INT32 = 2;
export const ENC_LZF = 3;

/** quicklist node containers (QUICKLIST_2) */
export const QL_PLAIN = 1;
export const QL_PACKED = 2;

/** The highest RDB version eddy reads (11's additions are the two 7.2 types above). */
export const RDB_MAX_READ_VERSION = 11;
