// sql/plpgsql/interpreter.cc — see interpreter.h.
#include "sql/plpgsql/interpreter.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/exec/executor.h"
#include "sql/exec/routines.h"
#include "sql/parse/parser.h"
#include "sql/types/cast.h"
#include "sql/types/composite_types.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::plpgsql {

namespace {

using json = nlohmann::json;
using exec::RoutineContext;

constexpr Oid kTriggerType = 2279;
// The name function_source gives an unnamed argument (followed by its position).
constexpr std::string_view kUnnamedArg = "hf$unnamed_arg";

// elog levels as libpg_query's tree numbers them (PostgreSQL 15's elog.h).
constexpr int kLevelLog = 15, kLevelInfo = 17, kLevelNotice = 18, kLevelWarning = 19,
              kLevelError = 21;

// PostgreSQL's condition names (plerrcodes.h) for the conditions applications name most.
const std::map<std::string, std::string>& condition_codes() {
  static const std::map<std::string, std::string> codes = {
      {"sql_statement_not_yet_complete", "03000"},
      {"connection_exception", "08000"},
      {"feature_not_supported", "0A000"},
      {"case_not_found", "20000"},
      {"cardinality_violation", "21000"},
      {"data_exception", "22000"},
      {"string_data_right_truncation", "22001"},
      {"null_value_not_allowed", "22004"},
      {"numeric_value_out_of_range", "22003"},
      {"invalid_datetime_format", "22007"},
      {"datetime_field_overflow", "22008"},
      {"division_by_zero", "22012"},
      {"invalid_parameter_value", "22023"},
      {"invalid_text_representation", "22P02"},
      {"invalid_binary_representation", "22P03"},
      {"integrity_constraint_violation", "23000"},
      {"restrict_violation", "23001"},
      {"not_null_violation", "23502"},
      {"foreign_key_violation", "23503"},
      {"unique_violation", "23505"},
      {"check_violation", "23514"},
      {"exclusion_violation", "23P01"},
      {"invalid_cursor_state", "24000"},
      {"invalid_transaction_state", "25000"},
      {"read_only_sql_transaction", "25006"},
      {"in_failed_sql_transaction", "25P02"},
      {"invalid_authorization_specification", "28000"},
      {"invalid_schema_name", "3F000"},
      {"transaction_rollback", "40000"},
      {"serialization_failure", "40001"},
      {"deadlock_detected", "40P01"},
      {"syntax_error_or_access_rule_violation", "42000"},
      {"syntax_error", "42601"},
      {"insufficient_privilege", "42501"},
      {"undefined_column", "42703"},
      {"undefined_function", "42883"},
      {"undefined_table", "42P01"},
      {"undefined_parameter", "42P02"},
      {"undefined_object", "42704"},
      {"duplicate_column", "42701"},
      {"duplicate_function", "42723"},
      {"duplicate_schema", "42P06"},
      {"duplicate_table", "42P07"},
      {"duplicate_object", "42710"},
      {"ambiguous_column", "42702"},
      {"ambiguous_function", "42725"},
      {"datatype_mismatch", "42804"},
      {"wrong_object_type", "42809"},
      {"invalid_function_definition", "42P13"},
      {"insufficient_resources", "53000"},
      {"out_of_memory", "53200"},
      {"program_limit_exceeded", "54000"},
      {"statement_too_complex", "54001"},
      {"object_not_in_prerequisite_state", "55000"},
      {"object_in_use", "55006"},
      {"lock_not_available", "55P03"},
      {"operator_intervention", "57000"},
      {"query_canceled", "57014"},
      {"admin_shutdown", "57P01"},
      {"internal_error", "XX000"},
      {"plpgsql_error", "P0000"},
      {"raise_exception", "P0001"},
      {"no_data_found", "P0002"},
      {"too_many_rows", "P0003"},
      {"assert_failure", "P0004"},
      // The rest of PostgreSQL 15's errcodes.txt.
      {"successful_completion", "00000"},
      {"warning", "01000"},
      {"dynamic_result_sets_returned", "0100C"},
      {"implicit_zero_bit_padding", "01008"},
      {"null_value_eliminated_in_set_function", "01003"},
      {"privilege_not_granted", "01007"},
      {"privilege_not_revoked", "01006"},
      {"deprecated_feature", "01P01"},
      {"no_data", "02000"},
      {"no_additional_dynamic_result_sets_returned", "02001"},
      {"connection_does_not_exist", "08003"},
      {"connection_failure", "08006"},
      {"sqlclient_unable_to_establish_sqlconnection", "08001"},
      {"sqlserver_rejected_establishment_of_sqlconnection", "08004"},
      {"transaction_resolution_unknown", "08007"},
      {"protocol_violation", "08P01"},
      {"triggered_action_exception", "09000"},
      {"invalid_transaction_initiation", "0B000"},
      {"locator_exception", "0F000"},
      {"invalid_locator_specification", "0F001"},
      {"invalid_grantor", "0L000"},
      {"invalid_grant_operation", "0LP01"},
      {"invalid_role_specification", "0P000"},
      {"diagnostics_exception", "0Z000"},
      {"stacked_diagnostics_accessed_without_active_handler", "0Z002"},
      {"array_subscript_error", "2202E"},
      {"character_not_in_repertoire", "22021"},
      {"error_in_assignment", "22005"},
      {"escape_character_conflict", "2200B"},
      {"indicator_overflow", "22022"},
      {"interval_field_overflow", "22015"},
      {"invalid_argument_for_logarithm", "2201E"},
      {"invalid_argument_for_ntile_function", "22014"},
      {"invalid_argument_for_nth_value_function", "22016"},
      {"invalid_argument_for_power_function", "2201F"},
      {"invalid_argument_for_width_bucket_function", "2201G"},
      {"invalid_character_value_for_cast", "22018"},
      {"invalid_escape_character", "22019"},
      {"invalid_escape_octet", "2200D"},
      {"invalid_escape_sequence", "22025"},
      {"nonstandard_use_of_escape_character", "22P06"},
      {"invalid_indicator_parameter_value", "22010"},
      {"invalid_preceding_or_following_size", "22013"},
      {"invalid_regular_expression", "2201B"},
      {"invalid_row_count_in_limit_clause", "2201W"},
      {"invalid_row_count_in_result_offset_clause", "2201X"},
      {"invalid_tablesample_argument", "2202H"},
      {"invalid_tablesample_repeat", "2202G"},
      {"invalid_time_zone_displacement_value", "22009"},
      {"invalid_use_of_escape_character", "2200C"},
      {"most_specific_type_mismatch", "2200G"},
      {"null_value_no_indicator_parameter", "22002"},
      {"sequence_generator_limit_exceeded", "2200H"},
      {"string_data_length_mismatch", "22026"},
      {"substring_error", "22011"},
      {"trim_error", "22027"},
      {"unterminated_c_string", "22024"},
      {"zero_length_character_string", "2200F"},
      {"floating_point_exception", "22P01"},
      {"bad_copy_file_format", "22P04"},
      {"untranslatable_character", "22P05"},
      {"not_an_xml_document", "2200L"},
      {"invalid_xml_document", "2200M"},
      {"invalid_xml_content", "2200N"},
      {"invalid_xml_comment", "2200S"},
      {"invalid_xml_processing_instruction", "2200T"},
      {"duplicate_json_object_key_value", "22030"},
      {"invalid_argument_for_sql_json_datetime_function", "22031"},
      {"invalid_json_text", "22032"},
      {"invalid_sql_json_subscript", "22033"},
      {"more_than_one_sql_json_item", "22034"},
      {"no_sql_json_item", "22035"},
      {"non_numeric_sql_json_item", "22036"},
      {"non_unique_keys_in_a_json_object", "22037"},
      {"singleton_sql_json_item_required", "22038"},
      {"sql_json_array_not_found", "22039"},
      {"sql_json_member_not_found", "2203A"},
      {"sql_json_number_not_found", "2203B"},
      {"sql_json_object_not_found", "2203C"},
      {"too_many_json_array_elements", "2203D"},
      {"too_many_json_object_members", "2203E"},
      {"sql_json_scalar_required", "2203F"},
      {"sql_json_item_cannot_be_cast_to_target_type", "2203G"},
      {"active_sql_transaction", "25001"},
      {"branch_transaction_already_active", "25002"},
      {"held_cursor_requires_same_isolation_level", "25008"},
      {"inappropriate_access_mode_for_branch_transaction", "25003"},
      {"inappropriate_isolation_level_for_branch_transaction", "25004"},
      {"no_active_sql_transaction_for_branch_transaction", "25005"},
      {"schema_and_data_statement_mixing_not_supported", "25007"},
      {"no_active_sql_transaction", "25P01"},
      {"idle_in_transaction_session_timeout", "25P03"},
      {"invalid_sql_statement_name", "26000"},
      {"triggered_data_change_violation", "27000"},
      {"invalid_password", "28P01"},
      {"dependent_privilege_descriptors_still_exist", "2B000"},
      {"dependent_objects_still_exist", "2BP01"},
      {"invalid_transaction_termination", "2D000"},
      {"sql_routine_exception", "2F000"},
      {"function_executed_no_return_statement", "2F005"},
      {"modifying_sql_data_not_permitted", "2F002"},
      {"prohibited_sql_statement_attempted", "2F003"},
      {"reading_sql_data_not_permitted", "2F004"},
      {"invalid_cursor_name", "34000"},
      {"external_routine_exception", "38000"},
      {"containing_sql_not_permitted", "38001"},
      {"external_routine_invocation_exception", "39000"},
      {"invalid_sqlstate_returned", "39001"},
      {"trigger_protocol_violated", "39P01"},
      {"srf_protocol_violated", "39P02"},
      {"event_trigger_protocol_violated", "39P03"},
      {"savepoint_exception", "3B000"},
      {"invalid_savepoint_specification", "3B001"},
      {"invalid_catalog_name", "3D000"},
      {"transaction_integrity_constraint_violation", "40002"},
      {"statement_completion_unknown", "40003"},
      {"cannot_coerce", "42846"},
      {"grouping_error", "42803"},
      {"windowing_error", "42P20"},
      {"invalid_recursion", "42P19"},
      {"invalid_foreign_key", "42830"},
      {"invalid_name", "42602"},
      {"name_too_long", "42622"},
      {"reserved_name", "42939"},
      {"indeterminate_datatype", "42P18"},
      {"collation_mismatch", "42P21"},
      {"indeterminate_collation", "42P22"},
      {"generated_always", "428C9"},
      {"duplicate_cursor", "42P03"},
      {"duplicate_database", "42P04"},
      {"duplicate_prepared_statement", "42P05"},
      {"duplicate_alias", "42712"},
      {"ambiguous_parameter", "42P08"},
      {"ambiguous_alias", "42P09"},
      {"invalid_column_reference", "42P10"},
      {"invalid_column_definition", "42611"},
      {"invalid_cursor_definition", "42P11"},
      {"invalid_database_definition", "42P12"},
      {"invalid_prepared_statement_definition", "42P14"},
      {"invalid_schema_definition", "42P15"},
      {"invalid_table_definition", "42P16"},
      {"invalid_object_definition", "42P17"},
      {"with_check_option_violation", "44000"},
      {"disk_full", "53100"},
      {"too_many_connections", "53300"},
      {"configuration_limit_exceeded", "53400"},
      {"too_many_columns", "54011"},
      {"too_many_arguments", "54023"},
      {"cant_change_runtime_param", "55P02"},
      {"unsafe_new_enum_value_usage", "55P04"},
      {"crash_shutdown", "57P02"},
      {"cannot_connect_now", "57P03"},
      {"database_dropped", "57P04"},
      {"idle_session_timeout", "57P05"},
      {"system_error", "58000"},
      {"io_error", "58030"},
      {"undefined_file", "58P01"},
      {"duplicate_file", "58P02"},
      {"snapshot_too_old", "72000"},
      {"config_file_error", "F0000"},
      {"lock_file_exists", "F0001"},
      {"fdw_error", "HV000"},
      {"fdw_column_name_not_found", "HV005"},
      {"fdw_dynamic_parameter_value_needed", "HV002"},
      {"fdw_function_sequence_error", "HV010"},
      {"fdw_inconsistent_descriptor_information", "HV021"},
      {"fdw_invalid_attribute_value", "HV024"},
      {"fdw_invalid_column_name", "HV007"},
      {"fdw_invalid_column_number", "HV008"},
      {"fdw_invalid_data_type", "HV004"},
      {"fdw_invalid_data_type_descriptors", "HV006"},
      {"fdw_invalid_descriptor_field_identifier", "HV091"},
      {"fdw_invalid_handle", "HV00B"},
      {"fdw_invalid_option_index", "HV00C"},
      {"fdw_invalid_option_name", "HV00D"},
      {"fdw_invalid_string_length_or_buffer_length", "HV090"},
      {"fdw_invalid_string_format", "HV00A"},
      {"fdw_invalid_use_of_null_pointer", "HV009"},
      {"fdw_too_many_handles", "HV014"},
      {"fdw_out_of_memory", "HV001"},
      {"fdw_no_schemas", "HV00P"},
      {"fdw_option_name_not_found", "HV00J"},
      {"fdw_reply_handle", "HV00K"},
      {"fdw_schema_not_found", "HV00Q"},
      {"fdw_table_not_found", "HV00R"},
      {"fdw_unable_to_create_execution", "HV00L"},
      {"fdw_unable_to_create_reply", "HV00M"},
      {"fdw_unable_to_establish_connection", "HV00N"},
      {"data_corrupted", "XX001"},
      {"index_corrupted", "XX002"},
  };
  return codes;
}

bool is_sqlstate(const std::string& s) {
  return s.size() == 5 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) ||
                  std::isupper(static_cast<unsigned char>(c));
         });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// n[key] when it is there, else null (a const json's operator[] must not miss).
const json& at(const json& n, const char* key) {
  static const json none;
  if (!n.is_object()) return none;
  auto it = n.find(key);
  return it == n.end() ? none : *it;
}

// The first member of a one-member object ({"PLpgSQL_stmt_if": {...}}): its kind and body.
std::pair<std::string, const json*> node_of(const json& n) {
  if (!n.is_object() || n.empty()) return {"", nullptr};
  auto it = n.begin();
  return {it.key(), &it.value()};
}

std::string query_of(const json& expr) {
  auto [kind, body] = node_of(expr);
  if (body == nullptr || !body->contains("query")) return "";
  return at((*body), "query").get<std::string>();
}

int int_of(const json& n, const char* key, int dflt = 0) {
  return n.contains(key) ? n[key].get<int>() : dflt;
}
bool bool_of(const json& n, const char* key) {
  return n.contains(key) && n[key].get<bool>();
}
// n[key] when it is there, else an empty list (never a copy).
const json& list_of(const json& n, const char* key) {
  static const json empty = json::array();
  auto it = n.find(key);
  return it == n.end() ? empty : *it;
}
std::string str_of(const json& n, const char* key) {
  return n.contains(key) ? n[key].get<std::string>() : "";
}

// PostgreSQL's plpgsql_stmt_typename: how a CONTEXT line names a statement.
std::string statement_name(const std::string& kind, const json& s) {
  static const std::map<std::string, std::string> names = {
      {"PLpgSQL_stmt_block", "statement block"},
      {"PLpgSQL_stmt_assign", "assignment"},
      {"PLpgSQL_stmt_if", "IF"},
      {"PLpgSQL_stmt_case", "CASE"},
      {"PLpgSQL_stmt_loop", "LOOP"},
      {"PLpgSQL_stmt_while", "WHILE"},
      {"PLpgSQL_stmt_fori", "FOR with integer loop variable"},
      {"PLpgSQL_stmt_fors", "FOR over SELECT rows"},
      {"PLpgSQL_stmt_dynfors", "FOR over EXECUTE statement"},
      {"PLpgSQL_stmt_return", "RETURN"},
      {"PLpgSQL_stmt_return_next", "RETURN NEXT"},
      {"PLpgSQL_stmt_return_query", "RETURN QUERY"},
      {"PLpgSQL_stmt_raise", "RAISE"},
      {"PLpgSQL_stmt_assert", "ASSERT"},
      {"PLpgSQL_stmt_execsql", "SQL statement"},
      {"PLpgSQL_stmt_dynexecute", "EXECUTE"},
      {"PLpgSQL_stmt_perform", "PERFORM"},
      {"PLpgSQL_stmt_call", "CALL"},
      {"PLpgSQL_stmt_commit", "COMMIT"},
      {"PLpgSQL_stmt_rollback", "ROLLBACK"},
      {"PLpgSQL_stmt_open", "OPEN"},
      {"PLpgSQL_stmt_fetch", "FETCH"},
      {"PLpgSQL_stmt_close", "CLOSE"},
      {"PLpgSQL_stmt_forc", "FOR over cursor"},
      {"PLpgSQL_stmt_foreach_a", "FOREACH over array"},
  };
  if (kind == "PLpgSQL_stmt_exit") return bool_of(s, "is_exit") ? "EXIT" : "CONTINUE";
  if (kind == "PLpgSQL_stmt_getdiag")
    return bool_of(s, "is_stacked") ? "GET STACKED DIAGNOSTICS" : "GET DIAGNOSTICS";
  auto it = names.find(kind);
  return it == names.end() ? kind : it->second;
}

struct Var {
  std::string name;
  TypeRef type{type_oid::kText, -1};
  Datum value;
  int lineno = 0;
  bool declared = false;  // a DECLARE variable (initialised when its block is entered)
  // In scope: a name refers to the newest active variable of that name (an inner DECLARE
  // or a FOR loop's counter shadows an outer one while its block or loop runs).
  bool active = true;
  bool is_const = false, not_null = false;
  const json* default_val = nullptr;
  // A record or %ROWTYPE variable: its fields once assigned.
  bool is_record = false;
  bool assigned = false;
  bool null_row = false;  // a trigger's OLD of an INSERT / NEW of a DELETE: fields read NULL
  std::vector<std::string> field_names;
  std::vector<TypeRef> field_types;
  Row fields;
  // A row target (INTO a, b): the variables it assigns, by datum index.
  bool is_row = false;
  std::vector<int> row_fields;
};

enum class Flow { kNormal, kExit, kContinue, kReturn };

class Interpreter {
 public:
  Interpreter(RoutineContext& rc, const catalog::Function* f) : rc_(rc), f_(f) {
    if (f_ == nullptr) {
      context_name_ = "inline_code_block";
    } else {
      context_name_ = exec::function_signature(f_->name, f_->input_types(), true);
      for (const auto& [name, type] : f_->result_columns()) out_types_.push_back(type);
    }
  }

  // A trigger function's call: NEW, OLD and the TG_ variables come from it.
  void set_trigger(const exec::TriggerCall* call) { trigger_ = call; }

  std::vector<Row> run(const json& tree, const std::vector<Datum>& args, const std::string& body) {
    body_ = body;
    const json* fn = nullptr;
    if (tree.is_array() && !tree.empty()) fn = &at(tree[0], "PLpgSQL_function");
    if (fn == nullptr || !fn->is_object())
      throw SqlError(sqlstate::kInternalError, "PL/pgSQL parser returned no function");
    load_datums(at((*fn), "datums"), args);
    if (trigger_) bind_trigger();
    const json& action = at((*fn), "action");
    collect_blocks(action);
    std::sort(block_lines_.begin(), block_lines_.end());
    Flow flow = Flow::kNormal;
    try {
      flow = exec_stmt(action);
    } catch (SqlError&) {
      throw;
    }
    if (f_ == nullptr) return {};
    if (f_->returns_set) return std::move(result_);
    if (trigger_ && flow != Flow::kReturn)
      throw SqlError(Error{"2F005", "control reached end of trigger procedure without RETURN", "",
                           "", 0, "PL/pgSQL function " + context_name_});
    if (flow != Flow::kReturn) {
      bool has_out = !f_->output_args().empty();
      if (has_out) return {out_row()};
      if (f_->result.oid == type_oid::kVoid) return {};
      throw SqlError(Error{"2F005", "control reached end of function without RETURN", "", "", 0,
                           "PL/pgSQL function " + context_name_});
    }
    return std::move(result_);
  }

 private:
  // NEW and OLD (records of the table's columns; all NULL when the operation has none) and
  // TG_OP, TG_NAME, TG_WHEN, TG_LEVEL, TG_TABLE_NAME, TG_RELNAME, TG_TABLE_SCHEMA, TG_NARGS,
  // TG_ARGV.
  void bind_trigger() {
    const auto& t = *trigger_->table;
    for (auto& v : vars_) {
      if (!v.is_record || (v.name != "new" && v.name != "old")) continue;
      const Row* row = v.name == "new" ? trigger_->new_row : trigger_->old_row;
      v.field_names.clear();
      v.field_types.clear();
      for (const auto& c : t.columns) {
        v.field_names.push_back(c.name);
        v.field_types.push_back(c.type);
      }
      v.fields = row ? *row : Row(t.columns.size(), Datum::Null());
      v.assigned = true;
      v.null_row = row == nullptr;
      v.type = TypeRef{t.oid, -1};  // the table's row type (sql/types/composite_types.h)
    }
    auto text = [&](const char* name, const std::string& value) {
      Var v;
      v.name = name;
      v.type = TypeRef{type_oid::kText, -1};
      v.value = Datum(value);
      vars_.push_back(std::move(v));
    };
    text("tg_op", trigger_->op);
    text("tg_name", trigger_->trigger->name);
    text("tg_when", trigger_->trigger->before ? "BEFORE" : "AFTER");
    text("tg_level", trigger_->statement_level ? "STATEMENT" : "ROW");
    text("tg_table_name", t.name);
    text("tg_relname", t.name);
    text("tg_table_schema",
         t.temp_namespace != 0 ? "pg_temp" : rc_.catalog().schema_name(t.namespace_oid));
    Var nargs;
    nargs.name = "tg_nargs";
    nargs.type = TypeRef{type_oid::kInt4, -1};
    nargs.value = Datum(static_cast<int64_t>(trigger_->trigger->args.size()));
    vars_.push_back(std::move(nargs));
    std::vector<Datum> argv;
    for (const auto& a : trigger_->trigger->args) argv.push_back(Datum(a));
    Var args;
    args.name = "tg_argv";
    args.type = TypeRef{type_oid::kTextArray, -1};
    args.value = Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(argv))));
    vars_.push_back(std::move(args));
  }

  // rec.field := value.
  void set_field(const std::string& target, const Datum& value, const TypeRef& from) {
    auto dot = target.find('.');
    std::string rec = lower(trim(target.substr(0, dot)));
    std::string field = lower(trim(target.substr(dot + 1)));
    for (int i = static_cast<int>(vars_.size()) - 1; i >= 0; --i) {
      Var& v = vars_[i];
      if (!v.active || !v.is_record || v.name != rec) continue;
      if (!v.assigned)
        throw SqlError("55000", "record \"" + rec + "\" is not assigned yet",
                       "The tuple structure of a not-yet-assigned record is indeterminate.");
      for (size_t k = 0; k < v.field_names.size(); ++k)
        if (v.field_names[k] == field) {
          v.fields[k] = convert(value, from, v.field_types[k]);
          return;
        }
      throw SqlError(sqlstate::kUndefinedColumn,
                     "record \"" + rec + "\" has no field \"" + field + "\"");
    }
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "assignment to \"" + target + "\" is not supported");
  }

  // arr[i] := value, for a one-dimensional array variable (arrays here have lower bound 1):
  // PostgreSQL's array_set_element. A subscript past the end extends the array with NULLs.
  // statement: the whole 'a[i] := ...' (what an error about the target points into).
  void set_element(const std::string& target, const Datum& value, const TypeRef& from,
                   const std::string& statement) {
    size_t open = target.find('[');
    size_t close = target.rfind(']');
    if (close == std::string::npos || close < open || trim(target.substr(close + 1)) != "")
      throw SqlError(sqlstate::kSyntaxError, "syntax error at or near \"" + target + "\"");
    std::string inner = target.substr(open + 1, close - open - 1);
    if (inner.find(']') != std::string::npos || inner.find(':') != std::string::npos)
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "assignment to a slice or an element of a multidimensional array is not "
                     "supported");
    std::string name = lower(trim(target.substr(0, open)));
    int idx = -1;
    for (int i = static_cast<int>(vars_.size()) - 1; i >= 0; --i)
      if (vars_[i].active && vars_[i].name == name) {
        idx = i;
        break;
      }
    if (idx < 0)
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "assignment to \"" + target + "\" is not supported");
    const TypeRef array_type = vars_[idx].type;
    const Oid elem = types::array_elem_type(array_type.oid);
    if (elem == 0) {
      Error e{sqlstate::kDatatypeMismatch, "cannot subscript type " +
                                               types::format_type(array_type) +
                                               " because it does not support subscripting"};
      e.internal_position = static_cast<int>(statement.find_first_not_of(" \t\n")) + 1;
      e.internal_query = statement;
      throw SqlError(std::move(e));
    }
    TypeRef st;
    Datum sub = eval(json{{"PLpgSQL_expr", {{"query", inner}}}}, &st);
    if (sub.is_null()) throw SqlError("22004", "array subscript in assignment must not be null");
    const int64_t n = convert(sub, st, TypeRef{type_oid::kInt4, -1}).as_int();
    const Datum& current = vars_[idx].value;
    std::vector<Datum> elems;
    if (!current.is_null()) elems = *current.as_array();
    // Only what keeps the lower bound at 1 fits this array representation.
    if (n < 1 || (elems.empty() && n != 1))
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "assignment to an array element that changes the array's lower bound is "
                     "not supported");
    if (static_cast<size_t>(n) > elems.size()) elems.resize(static_cast<size_t>(n));
    elems[static_cast<size_t>(n - 1)] = convert(value, from, TypeRef{elem, -1});
    set_var(idx, Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(elems)))),
            array_type);
  }

  // ---- variables ----
  TypeRef resolve_type(const std::string& written) {
    std::string t = trim(written);
    std::string lt = lower(t);
    if (lt == "record") return TypeRef{type_oid::kRecord, -1};
    auto ends_with = [&](const std::string& suffix) {
      return lt.size() > suffix.size() &&
             lt.compare(lt.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("%rowtype")) {
      // The table's row type (a composite of its columns), searched as a table name is.
      std::string ref = trim(t.substr(0, t.size() - 8));
      auto dot = ref.rfind('.');
      std::string schema = dot == std::string::npos ? "" : lower(trim(ref.substr(0, dot)));
      std::string name = lower(trim(dot == std::string::npos ? ref : ref.substr(dot + 1)));
      auto table = rc_.catalog().find_table(
          schema, name, exec::session_search_path(rc_.catalog(), rc_.session()));
      if (!table)
        throw SqlError(sqlstate::kUndefinedTable, "relation \"" + ref + "\" does not exist");
      return TypeRef{table->oid, -1};
    }
    if (ends_with("%type")) {
      std::string ref = lower(trim(t.substr(0, t.size() - 5)));
      auto dot = ref.rfind('.');
      if (dot == std::string::npos) {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
          if (it->name == ref) return it->type;
      } else {
        auto table = rc_.catalog().find_table(ref.substr(0, dot), rc_.session().temp_namespace());
        if (table) {
          int c = table->find_column(ref.substr(dot + 1));
          if (c >= 0) return table->columns[c].type;
        }
      }
      throw SqlError(sqlstate::kUndefinedObject, "type \"" + t + "\" does not exist");
    }
    const PgQuery__Node* node = nullptr;
    auto tree = parse::parse_expression("NULL::" + t, &node);
    if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_TYPE_CAST)
      throw SqlError(sqlstate::kUndefinedObject, "type \"" + t + "\" does not exist");
    return bind::resolve_type_name(node->type_cast->type_name,
                                   exec::session_search_path(rc_.catalog(), rc_.session()).schemas);
  }

  // A variable of a composite type (a table's row type, `v s.jobs` or `v s.jobs%rowtype`):
  // a record whose fields are the type's, all NULL until assigned.
  void composite_fields(Var& v, const types::CompositeType& c) {
    v.is_record = true;
    for (const auto& f : c.fields) {
      v.field_names.push_back(f.name);
      v.field_types.push_back(f.type);
      v.fields.push_back(Datum::Null());
    }
    v.assigned = true;
  }

  void load_datums(const json& datums, const std::vector<Datum>& args) {
    size_t n_args = f_ ? f_->args.size() : 0;
    size_t input = 0;
    for (size_t i = 0; i < datums.size(); ++i) {
      auto [kind, d] = node_of(datums[i]);
      Var v;
      if (d == nullptr) {
        vars_.push_back(std::move(v));
        continue;
      }
      v.name = str_of(*d, "refname");
      v.lineno = int_of(*d, "lineno");
      if (kind == "PLpgSQL_row") {
        v.is_row = true;
        v.name.clear();
        for (const auto& fld : at((*d), "fields"))
          v.row_fields.push_back(at(fld, "varno").get<int>());
        vars_.push_back(std::move(v));
        continue;
      }
      if (kind == "PLpgSQL_rec") {
        v.is_record = true;
        v.type = TypeRef{type_oid::kRecord, -1};
        vars_.push_back(std::move(v));
        continue;
      }
      std::string typname;
      if (d->contains("datatype"))
        typname = str_of(at(at((*d), "datatype"), "PLpgSQL_type"), "typname");
      if (i < n_args) {
        const auto& a = f_->args[i];
        if (v.name.rfind(kUnnamedArg, 0) == 0) v.name.clear();
        v.type = a.type;
        v.value = Datum::Null();
        if (a.is_input() && input < args.size()) v.value = args[input++];
      } else if ((typname == "UNKNOWN" || typname.empty()) && kind == "PLpgSQL_var" &&
                 v.name != "found" && v.name != "sqlstate" && v.name != "sqlerrm" &&
                 v.name.rfind("__Case__Variable_", 0) != 0) {
        // A FOR loop's counter: in scope while its loop runs.
        v.type = TypeRef{type_oid::kInt4, -1};
        v.active = false;
      } else if (typname == "UNKNOWN" || typname.empty()) {
        // Implicit variables: FOUND, FOR loop counters, CASE selectors, SQLSTATE/SQLERRM.
        if (v.name == "found") {
          v.type = TypeRef{type_oid::kBool, -1};
          v.value = Datum(false);
        } else if (v.name == "sqlstate" || v.name == "sqlerrm") {
          v.type = TypeRef{type_oid::kText, -1};
        } else {
          v.type = TypeRef{type_oid::kInt4, -1};
        }
      } else {
        v.declared = true;
        v.active = false;
        v.is_const = bool_of(*d, "isconst");
        v.not_null = bool_of(*d, "notnull");
        if (d->contains("default_val")) v.default_val = &at((*d), "default_val");
        v.type = resolve_type(typname);
        if (v.type.oid == type_oid::kRecord) {
          v.is_record = true;
        } else if (auto c = types::find_composite(v.type.oid)) {
          composite_fields(v, *c);
        }
      }
      vars_.push_back(std::move(v));
    }
    // Each DECLARE variable belongs to the first block that begins at or after its line.
    for (size_t i = 0; i < vars_.size(); ++i)
      if (vars_[i].declared) pending_decls_.push_back(static_cast<int>(i));
  }

  void collect_blocks(const json& n) {
    if (n.is_object()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (it.key() == "PLpgSQL_stmt_block") block_lines_.push_back(int_of(it.value(), "lineno"));
        collect_blocks(it.value());
      }
    } else if (n.is_array()) {
      for (const auto& x : n) collect_blocks(x);
    }
  }

  // The DECLARE variables of the block starting at `line`, reset to their defaults and put
  // in scope; returns them (they leave scope when the block ends).
  std::vector<int> init_block_vars(int line) {
    std::vector<int> mine;
    for (int idx : pending_decls_) {
      Var& v = vars_[idx];
      auto owner = std::lower_bound(block_lines_.begin(), block_lines_.end(), v.lineno);
      if (owner == block_lines_.end() || *owner != line) continue;
      mine.push_back(idx);
      v.active = true;
      if (v.is_record) {
        if (v.field_names.empty()) v.assigned = false;
        std::fill(v.fields.begin(), v.fields.end(), Datum::Null());
        continue;
      }
      v.value = Datum::Null();
      if (v.default_val) {
        TypeRef t;
        Datum d = eval(*v.default_val, &t);
        set_var(idx, d, t, true);
      } else if (v.not_null) {
        throw SqlError("22004", "variable \"" + v.name +
                                    "\" must have a default value, since it's declared NOT NULL");
      }
    }
    return mine;
  }

  void set_var(int idx, const Datum& value, const TypeRef& from, bool initialising = false) {
    if (idx < 0 || static_cast<size_t>(idx) >= vars_.size())
      throw SqlError(sqlstate::kInternalError, "PL/pgSQL variable out of range");
    Var& v = vars_[idx];
    if (v.is_const && !initialising)
      throw SqlError(sqlstate::kSyntaxError, "variable \"" + v.name + "\" is declared CONSTANT");
    if (v.is_record)
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "assigning a single value to a record variable is not supported");
    if (value.is_null() && v.not_null)
      throw SqlError("22004", "null value cannot be assigned to variable \"" + v.name +
                                  "\" declared NOT NULL");
    v.value = convert(value, from, v.type);
  }

  // An assignment cast; timestamptz's conversions in the session's TimeZone.
  Datum convert(const Datum& value, const TypeRef& from, const TypeRef& to) {
    if (value.is_null() || from == to || to.oid == type_oid::kRecord || from.oid == 0) return value;
    const types::TimeZone zone = rc_.session().time_zone();
    if (from.oid == type_oid::kUnknown)
      return types::from_text(std::get<std::string>(value.v), to, zone);
    if (from.oid != to.oid && !types::can_cast(from.oid, to.oid, types::CastContext::kAssignment)) {
      // PostgreSQL converts through text when no cast exists (plpgsql's exec_cast_value).
      return types::from_text(types::to_text(value, from, zone), to, zone);
    }
    return types::cast(value, from, to, types::CastContext::kAssignment, zone);
  }

  void set_record(int idx, const std::vector<std::string>& names, const std::vector<TypeRef>& types,
                  const Row* row) {
    Var& v = vars_[idx];
    if (types::find_composite(v.type.oid)) {
      // A variable of a composite type keeps its fields: the values go in by position
      // (missing ones NULL), converted to the fields' types.
      for (size_t i = 0; i < v.fields.size(); ++i)
        v.fields[i] = row != nullptr && i < row->size()
                          ? convert((*row)[i], types[i], v.field_types[i])
                          : Datum::Null();
      v.assigned = true;
      return;
    }
    v.field_names = names;
    v.field_types = types;
    v.fields = row ? *row : Row(names.size(), Datum::Null());
    v.assigned = true;
  }

  // Assigns a result row to an INTO / FOR target (a row of variables, or one record).
  void assign_target(const json& target, const RoutineContext::Outcome& o, const Row* row) {
    auto [kind, t] = node_of(target);
    std::vector<int> fields;
    if (kind == "PLpgSQL_row") {
      for (const auto& fld : at((*t), "fields")) fields.push_back(at(fld, "varno").get<int>());
    } else if (t != nullptr && t->contains("dno")) {
      fields.push_back(at((*t), "dno").get<int>());
    } else {
      throw SqlError(sqlstate::kFeatureNotSupported, "this PL/pgSQL INTO target is not supported");
    }
    if (fields.size() == 1 && vars_[fields[0]].is_record) {
      set_record(fields[0], o.names, o.types, row);
      return;
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i < o.types.size() && row != nullptr) {
        set_var(fields[i], (*row)[i], o.types[i]);
      } else {
        set_var(fields[i], Datum::Null(), TypeRef{type_oid::kUnknown, -1});
      }
    }
  }

  // ---- running SQL ----
  // The variables as parameters: $n is the n-th datum (so a function's $1 is its first
  // argument), a record's fields follow as "rec.field".
  void params(bind::ParamNames& names, std::vector<TypeRef>& types, std::vector<Datum>& values) {
    names.qualifier = f_ ? f_->name : "";
    // Only the newest active variable of each name is visible.
    std::vector<bool> visible(vars_.size(), false);
    for (size_t i = 0; i < vars_.size(); ++i) {
      if (!vars_[i].active || vars_[i].name.empty()) continue;
      visible[i] = true;
      for (size_t k = 0; k < i; ++k)
        if (visible[k] && vars_[k].name == vars_[i].name) visible[k] = false;
    }
    for (size_t i = 0; i < vars_.size(); ++i) {
      const Var& v = vars_[i];
      bool plain = !v.is_row && !v.is_record;
      if (v.is_record && v.assigned && visible[i]) {
        // The record as a whole (v_job is null, return query ... v_job): a composite of its
        // declared type (a trigger's NEW / OLD: the table's row type), else a record.
        names.names.push_back(v.name);
        TypeRef whole = v.type;
        if (!types::find_composite(whole.oid)) {
          // A record: the row type of its fields as the query that filled it named them.
          std::vector<types::CompositeField> fields;
          for (size_t k = 0; k < v.field_names.size(); ++k)
            fields.push_back({v.field_names[k], v.field_types[k]});
          whole = TypeRef{types::composite_types().bless(fields), -1};
        }
        types.push_back(whole);
        values.push_back(v.null_row ? Datum::Null() : types::make_composite(v.fields));
        continue;
      }
      names.names.push_back(plain && visible[i] ? v.name : "");
      types.push_back(plain ? v.type : TypeRef{type_oid::kText, -1});
      values.push_back(plain ? v.value : Datum::Null());
    }
    for (size_t r = 0; r < vars_.size(); ++r) {
      const Var& v = vars_[r];
      if (!v.is_record || !v.assigned || !visible[r]) continue;
      for (size_t i = 0; i < v.field_names.size(); ++i) {
        names.names.push_back(v.name + "." + v.field_names[i]);
        types.push_back(v.field_types[i]);
        values.push_back(v.fields[i]);
      }
    }
  }

  RoutineContext::Outcome run_sql(const std::string& sql, const std::string& bind_context = {}) {
    bind::ParamNames names;
    std::vector<TypeRef> types;
    std::vector<Datum> values;
    params(names, types, values);
    // As PostgreSQL's SPI in a volatile function: every query, an expression's too, first
    // advances the command (and under READ COMMITTED takes a new snapshot), so it sees what
    // the statements before it wrote.
    bool new_command = f_ == nullptr || f_->volatility == 'v';
    try {
      return rc_.run(sql, names, types, values, new_command, bind_context);
    } catch (SqlError& e) {
      // rec.field of a record not assigned yet: no parameter of that name existed.
      const std::string prefix = "missing FROM-clause entry for table \"";
      const std::string& m = e.error().message;
      if (e.error().sqlstate == sqlstate::kUndefinedTable && m.rfind(prefix, 0) == 0) {
        std::string name = m.substr(prefix.size(), m.size() - prefix.size() - 1);
        // PostgreSQL finds this while parsing, with no position: the expression's context
        // line (bind_context) comes with it.
        std::string context = e.error().context;
        if (!bind_context.empty()) context += (context.empty() ? "" : "\n") + bind_context;
        for (const auto& v : vars_)
          if (v.active && v.is_record && !v.assigned && v.name == name)
            throw SqlError(
                Error{"55000", "record \"" + name + "\" is not assigned yet",
                      "The tuple structure of a not-yet-assigned record is indeterminate.", "", 0,
                      context});
      }
      throw;
    }
  }

  // Dynamic SQL (EXECUTE): only the USING values, as $1, $2, ...
  RoutineContext::Outcome run_dynamic(const json& s, const char* query_key) {
    TypeRef qt;
    Datum q = eval(s[query_key], &qt);
    if (q.is_null()) throw SqlError("22004", "query string argument of EXECUTE is null");
    std::string sql = types::to_text(q, qt);
    bind::ParamNames names;
    std::vector<TypeRef> types;
    std::vector<Datum> values;
    if (s.contains("params")) {
      for (const auto& p : at(s, "params")) {
        TypeRef t;
        Datum d = eval(p, &t);
        if (t.oid == type_oid::kUnknown) t = TypeRef{type_oid::kText, -1};
        names.names.push_back("");
        types.push_back(t);
        values.push_back(d);
      }
    }
    try {
      return rc_.run(sql, names, types, values, f_ == nullptr || f_->volatility == 'v');
    } catch (FatalError&) {
      throw;
    } catch (SqlError& e) {
      embedded_error(e, sql, 0);
      throw;
    }
  }

  // An error of a statement or expression the body ran, as PostgreSQL's SPI reports it: one
  // that points into the text (a position) points into that text instead (internal query and
  // position: psql's LINE and QUERY), with no context line of its own; any other gets
  // 'SQL statement "..."' as its CONTEXT (statement_context; expressions have none). text is
  // what PostgreSQL shows, offset what to add to a position counted in the text that ran.
  void embedded_error(SqlError& e, const std::string& text, int offset,
                      bool statement_context = true) {
    if (context_done_) return;
    Error& err = e.error();
    if (err.position > 0) {
      err.internal_position = std::max(1, err.position + offset);
      err.internal_query = text;
      err.position = 0;
    } else if (statement_context) {
      std::string line = "SQL statement \"" + text + "\"";
      err.context = err.context.empty() ? line : err.context + "\n" + line;
    }
  }

  // An expression's value. display/offset: the text PostgreSQL shows for an error that points
  // into it (an assignment's whole 'x := ...'), and where the expression starts in it.
  Datum eval(const json& expr, TypeRef* type, const std::string* display = nullptr,
             int display_offset = 0) {
    std::string q = query_of(expr);
    RoutineContext::Outcome o;
    try {
      o = run_sql("SELECT " + q, "SQL expression \"" + q + "\"");
    } catch (FatalError&) {
      throw;
    } catch (SqlError& e) {
      embedded_error(e, display ? *display : q, display_offset - 7, false);
      throw;
    }
    if (o.names.size() != 1)
      throw SqlError(sqlstate::kSyntaxError,
                     "query \"" + q + "\" returned " + std::to_string(o.names.size()) + " columns");
    if (o.rows.size() > 1)
      throw SqlError("21000", "query \"" + q + "\" returned more than one row");
    if (type) *type = o.types[0];
    return o.rows.empty() ? Datum::Null() : o.rows[0][0];
  }

  bool eval_bool(const json& expr) {
    TypeRef t;
    Datum d = eval(expr, &t);
    if (d.is_null()) return false;
    if (t.oid != type_oid::kBool) d = convert(d, t, TypeRef{type_oid::kBool, -1});
    return d.as_bool();
  }

  void set_found(bool found) {
    for (size_t i = 0; i < vars_.size(); ++i)
      if (vars_[i].name == "found" && !vars_[i].declared) vars_[i].value = Datum(found);
  }

  // ---- statements ----
  Flow exec_stmts(const json& list) {
    if (!list.is_array()) return Flow::kNormal;
    for (const auto& s : list) {
      Flow f = exec_stmt(s);
      if (f != Flow::kNormal) return f;
    }
    return Flow::kNormal;
  }

  void add_context(SqlError& e, const std::string& kind, const json& s) {
    if (context_done_) return;
    context_done_ = true;
    Error& err = e.error();
    err.position = 0;
    std::string line = "PL/pgSQL function " + context_name_;
    if (s.contains("lineno")) line += " line " + std::to_string(int_of(s, "lineno"));
    line += " at " + statement_name(kind, s);
    err.context = err.context.empty() ? line : err.context + "\n" + line;
  }

  RoutineContext::Outcome run_statement_sql(const std::string& sql) {
    try {
      return run_sql(sql);
    } catch (FatalError&) {
      throw;
    } catch (SqlError& e) {
      embedded_error(e, sql, 0);
      throw;
    }
  }

  Flow exec_stmt(const json& node) {
    auto [kind, s] = node_of(node);
    if (s == nullptr) return Flow::kNormal;
    rc_.check_interrupts();
    try {
      return dispatch(kind, *s);
    } catch (FatalError&) {
      throw;
    } catch (SqlError& e) {
      add_context(e, kind, *s);
      throw;
    }
  }

  bool label_matches(const json& s) {
    if (exit_label_.empty()) return true;
    return str_of(s, "label") == exit_label_;
  }

  // A loop body's outcome: whether the loop ends, and what it passes on.
  bool loop_flow(Flow f, const json& s, Flow* out) {
    *out = Flow::kNormal;
    if (f == Flow::kReturn) {
      *out = f;
      return true;
    }
    if (f == Flow::kExit) {
      if (label_matches(s)) {
        exit_label_.clear();
        return true;
      }
      *out = f;
      return true;
    }
    if (f == Flow::kContinue) {
      if (label_matches(s)) {
        exit_label_.clear();
        return false;
      }
      *out = f;
      return true;
    }
    return false;
  }

  // One turn of a loop's body; true when the loop ends (*out: what it passes on).
  bool loop_turn(const json& s, Flow* out) {
    rc_.check_interrupts();
    return loop_flow(exec_stmts(list_of(s, "body")), s, out);
  }

  Flow dispatch(const std::string& kind, const json& s) {
    if (kind == "PLpgSQL_stmt_block") return exec_block(s);
    if (kind == "PLpgSQL_stmt_assign") {
      std::string q = query_of(at(s, "expr"));
      size_t at = q.find(":=");
      size_t skip = 2;
      if (at == std::string::npos) at = q.find('='), skip = 1;
      if (at == std::string::npos)
        throw SqlError(sqlstate::kSyntaxError, "unrecognised PL/pgSQL assignment");
      std::string target = trim(q.substr(0, at));
      json e = {{"PLpgSQL_expr", {{"query", q.substr(at + skip)}}}};
      TypeRef t;
      Datum d = eval(e, &t, &q, static_cast<int>(at + skip));
      if (target.find('[') != std::string::npos) {
        set_element(target, d, t, q);
      } else if (target.find('.') != std::string::npos) {
        set_field(target, d, t);
      } else {
        set_var(int_of(s, "varno"), d, t);
      }
      return Flow::kNormal;
    }
    if (kind == "PLpgSQL_stmt_if") {
      if (eval_bool(at(s, "cond"))) return exec_stmts(list_of(s, "then_body"));
      if (s.contains("elsif_list")) {
        for (const auto& ei : at(s, "elsif_list")) {
          const json& e = at(ei, "PLpgSQL_if_elsif");
          if (eval_bool(at(e, "cond"))) return exec_stmts(list_of(e, "stmts"));
        }
      }
      return exec_stmts(list_of(s, "else_body"));
    }
    if (kind == "PLpgSQL_stmt_case") {
      if (s.contains("t_expr")) {
        TypeRef t;
        Datum d = eval(at(s, "t_expr"), &t);
        int varno = int_of(s, "t_varno");
        vars_[varno].type = t.oid == type_oid::kUnknown ? TypeRef{type_oid::kText, -1} : t;
        vars_[varno].value = convert(d, t, vars_[varno].type);
      }
      for (const auto& w : list_of(s, "case_when_list")) {
        const json& cw = at(w, "PLpgSQL_case_when");
        if (eval_bool(at(cw, "expr"))) return exec_stmts(list_of(cw, "stmts"));
      }
      if (bool_of(s, "have_else")) return exec_stmts(list_of(s, "else_stmts"));
      throw SqlError("20000", "case not found", "", "CASE statement is missing ELSE part.");
    }
    if (kind == "PLpgSQL_stmt_loop") {
      for (Flow out;;)
        if (loop_turn(s, &out)) return out;
    }
    if (kind == "PLpgSQL_stmt_while") {
      for (Flow out; eval_bool(at(s, "cond"));)
        if (loop_turn(s, &out)) return out;
      return Flow::kNormal;
    }
    if (kind == "PLpgSQL_stmt_fori") return exec_fori(s);
    if (kind == "PLpgSQL_stmt_fors" || kind == "PLpgSQL_stmt_dynfors") {
      auto o = kind == "PLpgSQL_stmt_fors" ? run_statement_sql(query_of(at(s, "query")))
                                           : run_dynamic(s, "query");
      bool any = false;
      Flow result = Flow::kNormal;
      for (const auto& row : o.rows) {
        any = true;
        assign_target(at(s, "var"), o, &row);
        if (loop_turn(s, &result)) break;
      }
      set_found(any);
      return result;
    }
    if (kind == "PLpgSQL_stmt_foreach_a") return exec_foreach(s);
    if (kind == "PLpgSQL_stmt_exit") {
      if (s.contains("cond") && !eval_bool(at(s, "cond"))) return Flow::kNormal;
      exit_label_ = str_of(s, "label");
      return bool_of(s, "is_exit") ? Flow::kExit : Flow::kContinue;
    }
    if (kind == "PLpgSQL_stmt_return") return exec_return(s);
    if (kind == "PLpgSQL_stmt_return_next") {
      require_set("RETURN NEXT");
      result_.push_back(next_row(s));
      return Flow::kNormal;
    }
    if (kind == "PLpgSQL_stmt_return_query") {
      require_set("RETURN QUERY");
      auto o = s.contains("query") ? run_statement_sql(query_of(at(s, "query")))
                                   : run_dynamic(s, "dynquery");
      if (o.types.size() != out_types_.size())
        throw SqlError(sqlstate::kDatatypeMismatch,
                       "structure of query does not match function result type",
                       "Number of returned columns (" + std::to_string(o.types.size()) +
                           ") does not match expected column count (" +
                           std::to_string(out_types_.size()) + ").");
      for (auto& row : o.rows) {
        for (size_t i = 0; i < row.size(); ++i) row[i] = convert(row[i], o.types[i], out_types_[i]);
        result_.push_back(std::move(row));
      }
      row_count_ = static_cast<int64_t>(o.rows.size());
      set_found(!o.rows.empty());
      return Flow::kNormal;
    }
    if (kind == "PLpgSQL_stmt_raise") return exec_raise(s);
    if (kind == "PLpgSQL_stmt_assert") {
      if (eval_bool(at(s, "cond"))) return Flow::kNormal;
      std::string msg = "assertion failed";
      if (s.contains("message")) {
        TypeRef t;
        Datum d = eval(at(s, "message"), &t);
        if (!d.is_null()) msg = types::to_text(d, t, rc_.session().time_zone());
      }
      throw SqlError("P0004", msg);
    }
    if (kind == "PLpgSQL_stmt_perform") {
      auto o = run_statement_sql(query_of(at(s, "expr")));
      row_count_ = o.processed;
      set_found(o.processed > 0);
      return Flow::kNormal;
    }
    if (kind == "PLpgSQL_stmt_execsql" || kind == "PLpgSQL_stmt_dynexecute") {
      bool dynamic = kind == "PLpgSQL_stmt_dynexecute";
      std::string sql = dynamic ? "" : query_of(at(s, "sqlstmt"));
      auto o = dynamic ? run_dynamic(s, "query") : run_statement_sql(sql);
      row_count_ = o.processed;
      if (bool_of(s, "into")) {
        if (o.names.empty())
          throw SqlError(sqlstate::kSyntaxError,
                         dynamic ? "INTO used with a command that cannot return data"
                                 : "query has no destination for result data");
        if (bool_of(s, "strict")) {
          if (o.rows.empty()) throw SqlError("P0002", "query returned no rows");
          if (o.rows.size() > 1)
            throw SqlError("P0003", "query returned more than one row", "",
                           "Make sure the query returns a single row, or use LIMIT 1.");
        }
        assign_target(at(s, "target"), o, o.rows.empty() ? nullptr : &o.rows[0]);
        set_found(!o.rows.empty());
      } else {
        if (!dynamic && !o.names.empty() && o.tag.rfind("SELECT", 0) == 0)
          throw SqlError(sqlstate::kSyntaxError, "query has no destination for result data", "",
                         "If you want to discard the results of a SELECT, use PERFORM instead.");
        if (!dynamic) set_found(o.processed > 0);
      }
      return Flow::kNormal;
    }
    if (kind == "PLpgSQL_stmt_getdiag") return exec_getdiag(s);
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "PL/pgSQL statement " + statement_name(kind, s) + " is not supported");
  }

  Flow exec_fori(const json& s) {
    const json& var = at(at(s, "var"), "PLpgSQL_var");
    int varno = -1;
    for (size_t i = 0; i < vars_.size(); ++i)
      if (vars_[i].name == str_of(var, "refname") && vars_[i].lineno == int_of(var, "lineno"))
        varno = static_cast<int>(i);
    if (varno < 0) throw SqlError(sqlstate::kInternalError, "FOR loop variable not found");
    auto bound = [&](const char* key, const char* what) -> int64_t {
      TypeRef t;
      Datum d = eval(s[key], &t);
      if (d.is_null()) throw SqlError("22004", std::string(what) + " of FOR loop cannot be null");
      return convert(d, t, TypeRef{type_oid::kInt4, -1}).as_int();
    };
    int64_t lo = bound("lower", "lower bound"), hi = bound("upper", "upper bound");
    int64_t step = s.contains("step") ? bound("step", "BY value") : 1;
    if (step <= 0)
      throw SqlError(sqlstate::kInvalidParameterValue,
                     "BY value of FOR loop must be greater than zero");
    bool reverse = bool_of(s, "reverse");
    bool any = false;
    Flow result = Flow::kNormal;
    struct InScope {
      Var& v;
      explicit InScope(Var& var) : v(var) { v.active = true; }
      ~InScope() { v.active = false; }
      InScope(const InScope&) = delete;
      InScope& operator=(const InScope&) = delete;
    } in_scope(vars_[varno]);
    for (int64_t i = lo; reverse ? i >= hi : i <= hi; i += reverse ? -step : step) {
      any = true;
      vars_[varno].value = Datum(static_cast<int32_t>(i));
      if (loop_turn(s, &result)) break;
    }
    set_found(any);
    return result;
  }

  // GET DIAGNOSTICS (ROW_COUNT) and, inside an exception handler, GET STACKED DIAGNOSTICS:
  // the handled error's SQLSTATE, message, detail, hint, context and the object an integrity
  // error names (schema, table, column, constraint); PG_DATATYPE_NAME, which holdfast does
  // not set, reads as '', what PostgreSQL gives when an error does not set it.
  Flow exec_getdiag(const json& s) {
    const bool stacked = bool_of(s, "is_stacked");
    if (stacked && !current_error_)
      throw SqlError("0Z002",
                     "GET STACKED DIAGNOSTICS cannot be used outside an exception handler");
    const TypeRef text{type_oid::kText, -1};
    for (const auto& item : list_of(s, "diag_items")) {
      const json& di = at(item, "PLpgSQL_diag_item");
      const std::string k = str_of(di, "kind");
      const int target = int_of(di, "target");
      if (!stacked && k == "ROW_COUNT") {
        set_var(target, Datum(row_count_), TypeRef{type_oid::kInt8, -1});
        continue;
      }
      if (!stacked)
        throw SqlError(sqlstate::kFeatureNotSupported,
                       "GET DIAGNOSTICS " + k + " is not supported");
      static const std::map<std::string, std::string Error::*> kFields = {
          {"RETURNED_SQLSTATE", &Error::sqlstate},      {"MESSAGE_TEXT", &Error::message},
          {"PG_EXCEPTION_DETAIL", &Error::detail},      {"PG_EXCEPTION_HINT", &Error::hint},
          {"PG_EXCEPTION_CONTEXT", &Error::context},    {"COLUMN_NAME", &Error::column_name},
          {"CONSTRAINT_NAME", &Error::constraint_name}, {"TABLE_NAME", &Error::table_name},
          {"SCHEMA_NAME", &Error::schema_name}};
      if (k == "PG_DATATYPE_NAME") {
        set_var(target, Datum(std::string()), text);
        continue;
      }
      auto field = kFields.find(k);
      if (field == kFields.end())
        throw SqlError(sqlstate::kFeatureNotSupported,
                       "GET STACKED DIAGNOSTICS " + k + " is not supported");
      set_var(target, Datum(current_error_->error().*(field->second)), text);
    }
    return Flow::kNormal;
  }

  // FOREACH target [SLICE n] IN ARRAY expr LOOP: the elements in order, or with SLICE n the
  // n-dimensional slices. holdfast's arrays are one-dimensional (an empty one has no
  // dimension, as PostgreSQL's ARR_NDIM), so SLICE 1 is the whole array, once. The checks and
  // their order are PostgreSQL's exec_stmt_foreach_a.
  Flow exec_foreach(const json& s) {
    const int slice = int_of(s, "slice");
    TypeRef t;
    Datum array = eval(at(s, "expr"), &t);
    if (array.is_null()) throw SqlError("22004", "FOREACH expression must not be null");
    if (!types::is_array_type(t.oid))
      throw SqlError(sqlstate::kDatatypeMismatch,
                     "FOREACH expression must yield an array, not type " + types::format_type(t));
    const ArrayPtr elements = array.as_array();  // held while the body runs
    const int ndim = elements->empty() ? 0 : 1;
    if (slice < 0 || slice > ndim)
      throw SqlError("2202E", "slice dimension (" + std::to_string(slice) +
                                  ") is out of the valid range 0.." + std::to_string(ndim));
    const int varno = int_of(s, "varno");
    if (varno < 0 || static_cast<size_t>(varno) >= vars_.size())
      throw SqlError(sqlstate::kInternalError, "PL/pgSQL variable out of range");
    const Var& target = vars_[static_cast<size_t>(varno)];
    const bool array_target =
        !target.is_record && !target.is_row && types::is_array_type(target.type.oid);
    if (slice > 0 && !array_target)
      throw SqlError(sqlstate::kDatatypeMismatch,
                     "FOREACH ... SLICE loop variable must be of an array type");
    if (slice == 0 && array_target)
      throw SqlError(sqlstate::kDatatypeMismatch,
                     "FOREACH loop variable must not be of an array type");
    Flow result = Flow::kNormal;
    if (slice == 1) {
      set_var(varno, array, t);
      loop_turn(s, &result);
      set_found(true);
      return result;
    }
    const TypeRef elem{types::array_elem_type(t.oid), -1};
    bool any = false;
    for (const Datum& d : *elements) {
      any = true;
      set_var(varno, d, elem);
      if (loop_turn(s, &result)) break;
    }
    set_found(any);
    return result;
  }

  void require_set(const char* what) {
    if (f_ == nullptr || !f_->returns_set)
      throw SqlError(sqlstate::kSyntaxError,
                     std::string("cannot use ") + what + " in a non-SETOF function");
  }

  Row out_row() {
    Row row;
    for (size_t i = 0; i < f_->args.size() && i < vars_.size(); ++i)
      if (f_->args[i].is_output()) row.push_back(vars_[i].value);
    return row;
  }

  // In a lower-cased line, the identifier of the first "return next <name> ;" (blanks
  // between the words), or "". Scanned by hand: no std::regex in holdfast (its matcher
  // recurses per character, and GCC 12 warns inside it under the sanitizers).
  static std::string return_next_name(const std::string& line) {
    auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    auto ident_start = [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
    };
    auto ident_char = [&](char c) {
      return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
    };
    for (size_t at = line.find("return"); at != std::string::npos;
         at = line.find("return", at + 1)) {
      size_t i = at + 6;
      size_t gap = i;
      while (i < line.size() && blank(line[i])) ++i;
      if (i == gap || line.compare(i, 4, "next") != 0) continue;
      i += 4;
      gap = i;
      while (i < line.size() && blank(line[i])) ++i;
      if (i == gap || i >= line.size() || !ident_start(line[i])) continue;
      size_t start = i;
      while (i < line.size() && ident_char(line[i])) ++i;
      std::string name = line.substr(start, i - start);
      while (i < line.size() && blank(line[i])) ++i;
      if (i < line.size() && line[i] == ';') return name;
    }
    return "";
  }

  // The variable a RETURN NEXT without an expression names on its line (libpg_query's tree
  // leaves the variable out), or -1.
  int return_next_var(const json& s) {
    int line = int_of(s, "lineno");
    size_t pos = 0;
    for (int l = 1; l < line && pos != std::string::npos; ++l) {
      pos = body_.find('\n', pos);
      if (pos != std::string::npos) ++pos;
    }
    if (pos == std::string::npos) return -1;
    std::string text = body_.substr(pos, body_.find('\n', pos) - pos);
    std::string name = return_next_name(lower(text));
    if (name.empty()) return -1;
    for (int i = static_cast<int>(vars_.size()) - 1; i >= 0; --i)
      if (vars_[i].name == name) return i;
    return -1;
  }

  Row next_row(const json& s) {
    if (s.contains("expr")) {
      TypeRef t;
      Datum d = eval(at(s, "expr"), &t);
      if (out_types_.size() != 1)
        throw SqlError(sqlstate::kFeatureNotSupported,
                       "RETURN NEXT of a composite expression is not supported");
      return Row{convert(d, t, out_types_[0])};
    }
    if (f_ && !f_->output_args().empty()) return out_row();
    int v = return_next_var(s);
    if (v >= 0 && vars_[v].is_record) {
      const Var& r = vars_[v];
      if (!r.assigned)
        throw SqlError("55000", "record \"" + r.name + "\" is not assigned yet",
                       "The tuple structure of a not-yet-assigned record is indeterminate.");
      if (r.fields.size() != out_types_.size())
        throw SqlError(sqlstate::kDatatypeMismatch, "wrong record type supplied in RETURN NEXT");
      Row row;
      for (size_t i = 0; i < r.fields.size(); ++i)
        row.push_back(convert(r.fields[i], r.field_types[i], out_types_[i]));
      return row;
    }
    if (v >= 0) return Row{convert(vars_[v].value, vars_[v].type, out_types_[0])};
    throw SqlError(sqlstate::kFeatureNotSupported, "this form of RETURN NEXT is not supported");
  }

  Flow exec_return(const json& s) {
    // The parser appends a RETURN without a line to every body: reaching it is falling off
    // the end (an error for a function that must return a value; see run()).
    if (!s.contains("lineno")) return Flow::kNormal;
    if (trigger_) {
      std::string q = lower(trim(query_of(at(s, "expr"))));
      result_.clear();
      for (const auto& v : vars_)
        if (v.active && v.is_record && v.name == q) {
          if (v.assigned && !v.null_row) result_.push_back(v.fields);
          return Flow::kReturn;
        }
      TypeRef t;
      Datum d = eval(at(s, "expr"), &t);
      if (d.is_null()) return Flow::kReturn;
      // A row of the table's type (return coalesce(new, old)).
      if (t.oid != trigger_->table->oid || d.as_array()->size() != trigger_->table->columns.size())
        throw SqlError(sqlstate::kDatatypeMismatch,
                       "returned row structure does not match the structure of the triggering "
                       "table");
      result_.push_back(*d.as_array());
      return Flow::kReturn;
    }
    if (f_ == nullptr || f_->returns_set || f_->result.oid == type_oid::kVoid) return Flow::kReturn;
    if (!f_->output_args().empty() && !s.contains("expr")) {
      result_ = {out_row()};
      return Flow::kReturn;
    }
    if (!s.contains("expr")) {
      result_ = {Row{Datum::Null()}};
      return Flow::kReturn;
    }
    if (f_->returns_composite()) return return_composite(s);
    TypeRef t;
    Datum d = eval(at(s, "expr"), &t);
    if (out_types_.size() != 1)
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "RETURN of a composite value is not supported");
    result_ = {Row{convert(d, t, out_types_[0])}};
    return Flow::kReturn;
  }

  // RETURN in a function returning a composite type: a record variable's fields, a value
  // of that type, or NULL (an empty result row: a NULL composite).
  Flow return_composite(const json& s) {
    std::string q = lower(trim(query_of(at(s, "expr"))));
    for (int i = static_cast<int>(vars_.size()) - 1; i >= 0; --i) {
      const Var& v = vars_[i];
      if (!v.active || !v.is_record || v.name != q) continue;
      if (!v.assigned)
        throw SqlError("55000", "record \"" + v.name + "\" is not assigned yet",
                       "The tuple structure of a not-yet-assigned record is indeterminate.");
      if (v.fields.size() != out_types_.size())
        throw SqlError(sqlstate::kDatatypeMismatch,
                       "returned record type does not match expected record type");
      Row row;
      for (size_t k = 0; k < v.fields.size(); ++k)
        row.push_back(convert(v.fields[k], v.field_types[k], out_types_[k]));
      result_ = {std::move(row)};
      return Flow::kReturn;
    }
    TypeRef t;
    Datum d = eval(at(s, "expr"), &t);
    if (d.is_null()) {
      result_ = {Row{}};
      return Flow::kReturn;
    }
    if (t.oid != f_->result.oid)
      throw SqlError(sqlstate::kDatatypeMismatch,
                     "returned record type does not match expected record type");
    result_ = {*d.as_array()};
    return Flow::kReturn;
  }

  std::string sqlstate_of(const std::string& name) {
    if (is_sqlstate(name)) return name;
    auto it = condition_codes().find(lower(name));
    if (it == condition_codes().end())
      throw SqlError(sqlstate::kUndefinedObject,
                     "unrecognized exception condition \"" + name + "\"");
    return it->second;
  }

  Flow exec_raise(const json& s) {
    int level = int_of(s, "elog_level", kLevelError);
    if (!s.contains("condname") && !s.contains("message") && !s.contains("options")) {
      if (!current_error_)
        throw SqlError("0Z002",
                       "RAISE without parameters cannot be used outside an exception handler");
      context_done_ = true;  // the error keeps the context it was raised with
      throw *current_error_;
    }
    Error e;
    e.sqlstate = "P0001";
    if (s.contains("condname")) {
      e.sqlstate = sqlstate_of(str_of(s, "condname"));
      e.message = str_of(s, "condname");
    }
    if (s.contains("message")) {
      std::string fmt = str_of(s, "message");
      const json empty = json::array();
      const json& ps = s.contains("params") ? at(s, "params") : empty;
      size_t next = 0;
      std::string out;
      for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
          out += fmt[i];
        } else if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
          out += '%';
          ++i;
        } else {
          if (next >= ps.size())
            throw SqlError(sqlstate::kSyntaxError, "too few parameters specified for RAISE");
          TypeRef t;
          Datum d = eval(ps[next++], &t);
          out += d.is_null() ? "<NULL>" : types::to_text(d, t, rc_.session().time_zone());
        }
      }
      if (next < ps.size())
        throw SqlError(sqlstate::kSyntaxError, "too many parameters specified for RAISE");
      e.message = out;
    }
    for (const auto& opt : list_of(s, "options")) {
      const json& o = at(opt, "PLpgSQL_raise_option");
      TypeRef t;
      Datum d = eval(at(o, "expr"), &t);
      std::string v = d.is_null() ? "" : types::to_text(d, t, rc_.session().time_zone());
      switch (int_of(o, "opt_type")) {
        case 0:
          e.sqlstate = sqlstate_of(v);
          if (e.message.empty() && !s.contains("message")) e.message = v;
          break;
        case 1:
          e.message = v;
          break;
        case 2:
          e.detail = v;
          break;
        case 3:
          e.hint = v;
          break;
        default:
          break;  // COLUMN, CONSTRAINT, DATATYPE, TABLE, SCHEMA: not carried
      }
    }
    if (e.message.empty() && !s.contains("message") && !s.contains("condname"))
      e.message = e.sqlstate;
    if (level >= kLevelError) {
      e.severity = "ERROR";
      throw SqlError(e);
    }
    if (level < kLevelInfo) {
      if (level < kLevelLog) return Flow::kNormal;  // DEBUG: below client_min_messages
      return Flow::kNormal;                         // LOG: the server's log only
    }
    e.severity = level == kLevelInfo ? "INFO" : level == kLevelNotice ? "NOTICE" : "WARNING";
    if (level == kLevelWarning) e.severity = "WARNING";
    if (!s.contains("condname") && e.sqlstate == "P0001") e.sqlstate = "00000";
    if (level == kLevelWarning && e.sqlstate == "00000") e.sqlstate = "01000";
    rc_.notice(e);
    return Flow::kNormal;
  }

  bool handler_matches(const json& conditions, const std::string& state) {
    for (const auto& c : conditions) {
      const json& cond = at(c, "PLpgSQL_condition");
      std::string name = str_of(cond, "condname");
      if (lower(name) == "others") {
        if (state != "57014" && state != "P0004") return true;
        continue;
      }
      std::string code = sqlstate_of(name);
      if (code == state) return true;
      if (code.size() == 5 && code.compare(2, 3, "000") == 0 &&
          state.compare(0, 2, code, 0, 2) == 0)
        return true;
    }
    return false;
  }

  Flow exec_block(const json& s) {
    struct Scope {
      std::vector<Var>& vars;
      std::vector<int> mine;
      ~Scope() {
        for (int i : mine) vars[i].active = false;
      }
    } scope{vars_, {}};
    scope.mine = init_block_vars(int_of(s, "lineno"));
    const json& body = list_of(s, "body");
    Flow f = Flow::kNormal;
    if (!s.contains("exceptions")) {
      f = exec_stmts(body);
    } else {
      coord::Transaction& txn = rc_.txn();
      coord::SubId sub = txn.begin_subtransaction();
      std::optional<SqlError> caught;
      try {
        f = exec_stmts(body);
        txn.release(sub);
      } catch (FatalError&) {
        throw;
      } catch (SqlError& e) {
        caught = e;
      }
      if (caught) {
        txn.rollback_to(sub);
        txn.release(sub);
        const json& handlers = at(at(at(s, "exceptions"), "PLpgSQL_exception_block"), "exc_list");
        const json* action = nullptr;
        for (const auto& h : handlers) {
          const json& ex = at(h, "PLpgSQL_exception");
          if (handler_matches(at(ex, "conditions"), caught->error().sqlstate)) {
            action = &ex;
            break;
          }
        }
        if (action == nullptr) throw *caught;
        // The error is handled: a later error gets its own context line.
        context_done_ = false;
        for (auto& v : vars_) {
          if (v.name == "sqlstate" && !v.declared) v.value = Datum(caught->error().sqlstate);
          if (v.name == "sqlerrm" && !v.declared) v.value = Datum(caught->error().message);
        }
        std::optional<SqlError> outer = std::move(current_error_);
        current_error_ = caught;
        try {
          f = exec_stmts(action->value("action", json::array()));
        } catch (...) {
          current_error_ = std::move(outer);
          throw;
        }
        current_error_ = std::move(outer);
      }
    }
    if (f == Flow::kExit && !exit_label_.empty() && exit_label_ == str_of(s, "label")) {
      exit_label_.clear();
      return Flow::kNormal;
    }
    return f;
  }

  RoutineContext& rc_;
  const catalog::Function* f_;
  const exec::TriggerCall* trigger_ = nullptr;
  std::string context_name_;
  std::string body_;
  std::vector<TypeRef> out_types_;
  std::vector<Var> vars_;
  std::vector<int> pending_decls_;
  std::vector<int> block_lines_;
  std::vector<Row> result_;
  std::string exit_label_;
  int64_t row_count_ = 0;
  bool context_done_ = false;
  std::optional<SqlError> current_error_;  // in an exception handler: what it caught (RAISE;)
};

// A dollar-quote tag that does not occur in text.
std::string quote_tag(const std::string& text) {
  std::string tag = "$plpgsql$";
  for (int i = 0; text.find(tag) != std::string::npos; ++i)
    tag = "$plpgsql" + std::to_string(i) + "$";
  return tag;
}

// libpg_query's PL/pgSQL parser reads a whole CREATE FUNCTION or DO statement.
json parse_source(const std::string& source) {
  PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(source.c_str());
  if (r.error) {
    std::string msg = r.error->message ? r.error->message : "syntax error";
    pg_query_free_plpgsql_parse_result(r);
    throw SqlError(sqlstate::kSyntaxError, msg);
  }
  json tree = json::parse(r.plpgsql_funcs ? r.plpgsql_funcs : "[]");
  pg_query_free_plpgsql_parse_result(r);
  return tree;
}

std::string function_source(const catalog::Function& f) {
  std::string src = "CREATE FUNCTION " + std::string("f") + "(";
  bool first = true;
  int n_arg = 1;
  for (const auto& a : f.args) {
    if (!first) src += ", ";
    first = false;
    if (a.mode == 'o') src += "OUT ";
    if (a.mode == 'b') src += "INOUT ";
    if (a.mode == 't') src += "OUT ";
    // libpg_query's PL/pgSQL parser makes a datum only for a named argument, and the
    // interpreter finds the arguments as the first datums: an unnamed one gets a name no
    // body can write (load_datums hides it again; the body reads it as $n).
    src +=
        "\"" + (a.name.empty() ? std::string(kUnnamedArg) + std::to_string(n_arg) : a.name) + "\" ";
    ++n_arg;
    src += "text";
  }
  src += ") RETURNS ";
  if (f.returns_set) src += "SETOF ";
  src += f.result.oid == kTriggerType        ? "trigger"
         : f.result.oid == type_oid::kVoid   ? "void"
         : f.result.oid == type_oid::kRecord ? "record"
                                             : "text";
  std::string tag = quote_tag(f.body);
  return src + " LANGUAGE plpgsql AS " + tag + f.body + tag;
}

std::vector<Row> call_function(const catalog::Function& f, const std::vector<Datum>& args,
                               RoutineContext& rc) {
  if (f.result.oid == kTriggerType)
    throw SqlError(Error{sqlstate::kFeatureNotSupported,
                         "trigger functions can only be called as triggers", "", "", 0,
                         "compilation of PL/pgSQL function \"" + f.name + "\" near line 1"});
  json tree = parse_source(function_source(f));
  Interpreter in(rc, &f);
  try {
    return in.run(tree, args, f.body);
  } catch (const json::exception& e) {
    throw SqlError(sqlstate::kInternalError,
                   std::string("unexpected PL/pgSQL parse tree: ") + e.what());
  }
}

std::optional<Row> call_trigger(const catalog::Function& f, const exec::TriggerCall& call,
                                RoutineContext& rc) {
  json tree = parse_source(function_source(f));
  Interpreter in(rc, &f);
  in.set_trigger(&call);
  std::vector<Row> rows;
  try {
    rows = in.run(tree, {}, f.body);
  } catch (const json::exception& e) {
    throw SqlError(sqlstate::kInternalError,
                   std::string("unexpected PL/pgSQL parse tree: ") + e.what());
  }
  if (rows.empty()) return std::nullopt;
  return rows[0];
}

// What PostgreSQL's PL/pgSQL grammar checks of every RETURN at compile time, from the
// function's result (libpg_query's parser does not know it): a value where the function has
// none to return, or none where it must return one. The dummy RETURN libpg_query appends at
// the end of the body has no line number and is left out. What differs: the error carries no
// position in the statement (PostgreSQL's points at the expression).
void check_returns(const json& node, bool returns_void, bool returns_set, bool has_out) {
  if (node.is_array()) {
    for (const auto& n : node) check_returns(n, returns_void, returns_set, has_out);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    if (key == "PLpgSQL_stmt_return" && value.is_object() && value.contains("lineno")) {
      const bool has_value = value.contains("expr");
      if (has_value && returns_set)
        throw SqlError(sqlstate::kDatatypeMismatch,
                       "RETURN cannot have a parameter in function returning set", "",
                       "Use RETURN NEXT or RETURN QUERY.");
      if (has_value && has_out)
        throw SqlError(sqlstate::kDatatypeMismatch,
                       "RETURN cannot have a parameter in function with OUT parameters");
      if (has_value && returns_void)
        throw SqlError(sqlstate::kDatatypeMismatch,
                       "RETURN cannot have a parameter in function returning void");
      if (!has_value && !returns_void && !returns_set && !has_out)
        throw SqlError(sqlstate::kSyntaxError, "missing expression at or near \";\"");
    }
    check_returns(value, returns_void, returns_set, has_out);
  }
}

void validate(const catalog::Function& f) {
  json tree = parse_source(function_source(f));
  bool has_out = false;
  for (const auto& a : f.args) has_out = has_out || a.mode == 'o' || a.mode == 'b' || a.mode == 't';
  check_returns(tree, f.result.oid == type_oid::kVoid, f.returns_set, has_out);
}

void run_do(const std::string& code, RoutineContext& rc) {
  std::string tag = quote_tag(code);
  json tree = parse_source("DO " + tag + code + tag);
  check_returns(tree, true, false, false);
  Interpreter in(rc, nullptr);
  try {
    in.run(tree, {}, code);
  } catch (const json::exception& e) {
    throw SqlError(sqlstate::kInternalError,
                   std::string("unexpected PL/pgSQL parse tree: ") + e.what());
  }
}

}  // namespace

void install() {
  exec::PlpgsqlRuntime runtime;
  runtime.call = call_function;
  runtime.validate = validate;
  runtime.run_do = run_do;
  runtime.call_trigger = call_trigger;
  exec::set_plpgsql_runtime(std::move(runtime));
}

}  // namespace hf::sql::plpgsql
