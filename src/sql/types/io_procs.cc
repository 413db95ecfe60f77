// sql/types/io_procs.cc — see io_procs.h.
#include "sql/types/io_procs.h"

#include <map>
#include <string>

#include "sql/types/composite_types.h"
#include "sql/types/enum_types.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

namespace {

// PostgreSQL 15's pg_type (typinput, typoutput, typreceive, typsend) for the built-in types
// holdfast has (pseudo-types included), by type oid.
const std::map<Oid, IoProcs>& builtin_procs() {
  static const std::map<Oid, IoProcs> procs = {
      {16, {1242, 1243, 2436, 2437}},    // bool
      {17, {1244, 31, 2412, 2413}},      // bytea
      {18, {1245, 33, 2434, 2435}},      // char
      {19, {34, 35, 2422, 2423}},        // name
      {20, {460, 461, 2408, 2409}},      // int8
      {21, {38, 39, 2404, 2405}},        // int2
      {22, {40, 41, 2410, 2411}},        // int2vector
      {23, {42, 43, 2406, 2407}},        // int4
      {24, {44, 45, 2444, 2445}},        // regproc
      {25, {46, 47, 2414, 2415}},        // text
      {26, {1798, 1799, 2418, 2419}},    // oid
      {28, {50, 51, 2440, 2441}},        // xid
      {30, {54, 55, 2420, 2421}},        // oidvector
      {114, {321, 322, 323, 324}},       // json
      {700, {200, 201, 2424, 2425}},     // float4
      {701, {214, 215, 2426, 2427}},     // float8
      {705, {109, 110, 2416, 2417}},     // unknown
      {1042, {1044, 1045, 2430, 2431}},  // bpchar
      {1043, {1046, 1047, 2432, 2433}},  // varchar
      {1082, {1084, 1085, 2468, 2469}},  // date
      {1083, {1143, 1144, 2470, 2471}},  // time
      {1114, {1312, 1313, 2474, 2475}},  // timestamp
      {1184, {1150, 1151, 2476, 2477}},  // timestamptz
      {1186, {1160, 1161, 2478, 2479}},  // interval
      {1560, {1564, 1565, 2456, 2457}},  // bit
      {1562, {1579, 1580, 2458, 2459}},  // varbit
      {1700, {1701, 1702, 2460, 2461}},  // numeric
      {2205, {2218, 2219, 2452, 2453}},  // regclass
      {2206, {2220, 2221, 2454, 2455}},  // regtype
      {2249, {2290, 2291, 2402, 2403}},  // record
      {2275, {2292, 2293, 2500, 2501}},  // cstring
      {2276, {2294, 2295, 0, 0}},        // any
      {2277, {2296, 2297, 2502, 2503}},  // anyarray
      {2278, {2298, 2299, 3120, 3121}},  // void
      {2279, {2300, 2301, 0, 0}},        // trigger
      {2281, {2304, 2305, 0, 0}},        // internal
      {2283, {2312, 2313, 0, 0}},        // anyelement
      {2776, {2777, 2778, 0, 0}},        // anynonarray
      {2950, {2952, 2953, 2961, 2962}},  // uuid
      {3500, {3504, 3505, 0, 0}},        // anyenum
      {3802, {3806, 3804, 3805, 3803}},  // jsonb
      {4089, {4084, 4085, 4087, 4088}},  // regnamespace
      {5077, {5086, 5087, 0, 0}},        // anycompatible
      {5078, {5088, 5089, 5090, 5091}},  // anycompatiblearray
  };
  return procs;
}

// PostgreSQL 15's pg_proc names of those functions (and of the array and enum ones).
const std::map<Oid, std::string_view>& proc_names() {
  static const std::map<Oid, std::string_view> names = {
      {31, "byteaout"},
      {33, "charout"},
      {34, "namein"},
      {35, "nameout"},
      {38, "int2in"},
      {39, "int2out"},
      {40, "int2vectorin"},
      {41, "int2vectorout"},
      {42, "int4in"},
      {43, "int4out"},
      {44, "regprocin"},
      {45, "regprocout"},
      {46, "textin"},
      {47, "textout"},
      {50, "xidin"},
      {51, "xidout"},
      {54, "oidvectorin"},
      {55, "oidvectorout"},
      {109, "unknownin"},
      {110, "unknownout"},
      {200, "float4in"},
      {201, "float4out"},
      {214, "float8in"},
      {215, "float8out"},
      {321, "json_in"},
      {322, "json_out"},
      {323, "json_recv"},
      {324, "json_send"},
      {460, "int8in"},
      {461, "int8out"},
      {750, "array_in"},
      {751, "array_out"},
      {1044, "bpcharin"},
      {1045, "bpcharout"},
      {1046, "varcharin"},
      {1047, "varcharout"},
      {1084, "date_in"},
      {1085, "date_out"},
      {1143, "time_in"},
      {1144, "time_out"},
      {1150, "timestamptz_in"},
      {1151, "timestamptz_out"},
      {1160, "interval_in"},
      {1161, "interval_out"},
      {1242, "boolin"},
      {1243, "boolout"},
      {1244, "byteain"},
      {1245, "charin"},
      {1312, "timestamp_in"},
      {1313, "timestamp_out"},
      {1564, "bit_in"},
      {1565, "bit_out"},
      {1579, "varbit_in"},
      {1580, "varbit_out"},
      {1701, "numeric_in"},
      {1702, "numeric_out"},
      {1798, "oidin"},
      {1799, "oidout"},
      {2218, "regclassin"},
      {2219, "regclassout"},
      {2220, "regtypein"},
      {2221, "regtypeout"},
      {2290, "record_in"},
      {2291, "record_out"},
      {2292, "cstring_in"},
      {2293, "cstring_out"},
      {2294, "any_in"},
      {2295, "any_out"},
      {2296, "anyarray_in"},
      {2297, "anyarray_out"},
      {2298, "void_in"},
      {2299, "void_out"},
      {2300, "trigger_in"},
      {2301, "trigger_out"},
      {2304, "internal_in"},
      {2305, "internal_out"},
      {2312, "anyelement_in"},
      {2313, "anyelement_out"},
      {2400, "array_recv"},
      {2401, "array_send"},
      {2402, "record_recv"},
      {2403, "record_send"},
      {2404, "int2recv"},
      {2405, "int2send"},
      {2406, "int4recv"},
      {2407, "int4send"},
      {2408, "int8recv"},
      {2409, "int8send"},
      {2410, "int2vectorrecv"},
      {2411, "int2vectorsend"},
      {2412, "bytearecv"},
      {2413, "byteasend"},
      {2414, "textrecv"},
      {2415, "textsend"},
      {2416, "unknownrecv"},
      {2417, "unknownsend"},
      {2418, "oidrecv"},
      {2419, "oidsend"},
      {2420, "oidvectorrecv"},
      {2421, "oidvectorsend"},
      {2422, "namerecv"},
      {2423, "namesend"},
      {2424, "float4recv"},
      {2425, "float4send"},
      {2426, "float8recv"},
      {2427, "float8send"},
      {2430, "bpcharrecv"},
      {2431, "bpcharsend"},
      {2432, "varcharrecv"},
      {2433, "varcharsend"},
      {2434, "charrecv"},
      {2435, "charsend"},
      {2436, "boolrecv"},
      {2437, "boolsend"},
      {2440, "xidrecv"},
      {2441, "xidsend"},
      {2444, "regprocrecv"},
      {2445, "regprocsend"},
      {2452, "regclassrecv"},
      {2453, "regclasssend"},
      {2454, "regtyperecv"},
      {2455, "regtypesend"},
      {2456, "bit_recv"},
      {2457, "bit_send"},
      {2458, "varbit_recv"},
      {2459, "varbit_send"},
      {2460, "numeric_recv"},
      {2461, "numeric_send"},
      {2468, "date_recv"},
      {2469, "date_send"},
      {2470, "time_recv"},
      {2471, "time_send"},
      {2474, "timestamp_recv"},
      {2475, "timestamp_send"},
      {2476, "timestamptz_recv"},
      {2477, "timestamptz_send"},
      {2478, "interval_recv"},
      {2479, "interval_send"},
      {2500, "cstring_recv"},
      {2501, "cstring_send"},
      {2502, "anyarray_recv"},
      {2503, "anyarray_send"},
      {2777, "anynonarray_in"},
      {2778, "anynonarray_out"},
      {2952, "uuid_in"},
      {2953, "uuid_out"},
      {2961, "uuid_recv"},
      {2962, "uuid_send"},
      {3120, "void_recv"},
      {3121, "void_send"},
      {3504, "anyenum_in"},
      {3505, "anyenum_out"},
      {3506, "enum_in"},
      {3507, "enum_out"},
      {3532, "enum_recv"},
      {3533, "enum_send"},
      {3803, "jsonb_send"},
      {3804, "jsonb_out"},
      {3805, "jsonb_recv"},
      {3806, "jsonb_in"},
      {4084, "regnamespacein"},
      {4085, "regnamespaceout"},
      {4087, "regnamespacerecv"},
      {4088, "regnamespacesend"},
      {5086, "anycompatible_in"},
      {5087, "anycompatible_out"},
      {5088, "anycompatiblearray_in"},
      {5089, "anycompatiblearray_out"},
      {5090, "anycompatiblearray_recv"},
      {5091, "anycompatiblearray_send"},
  };
  return names;
}

constexpr IoProcs kArrayProcs{750, 751, 2400, 2401};     // array_in, array_out, ...
constexpr IoProcs kEnumProcs{3506, 3507, 3532, 3533};    // enum_in, enum_out, ...
constexpr IoProcs kRecordProcs{2290, 2291, 2402, 2403};  // record_in, record_out, ...

}  // namespace

IoProcs io_procs_of(Oid oid) {
  auto it = builtin_procs().find(oid);
  if (it != builtin_procs().end()) return it->second;
  if (find_enum(oid)) return kEnumProcs;
  if (is_array_type(oid)) return kArrayProcs;
  if (find_composite(oid)) return kRecordProcs;
  return {};
}

const char* builtin_io_proc_name(Oid oid) {
  auto it = proc_names().find(oid);
  return it == proc_names().end() ? nullptr : it->second.data();
}

std::optional<Oid> builtin_io_proc_oid(std::string_view name) {
  for (const auto& [oid, n] : proc_names())
    if (n == name) return oid;
  return std::nullopt;
}

}  // namespace hf::sql::types
