#include "saleskit/io/readers.h"

#include <catch2/catch.hpp>
#include "google/protobuf/util/message_differencer.h"

namespace saleskit {
namespace {

using google::protobuf::util::MessageDifferencer;

std::string Message(const absl::Status& s) { return std::string(s.message()); }
bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("CSV customers map columns to fields", "[io][csv]") {
  const std::string csv =
      "id;email;employee_count;lifecycle_stage;tags;consent.email;consent.email.at;do_not_contact;created_at;"
      "attrs.plan;attrs.seats;attrs.ratio;attrs.trial;attrs.code;attrs.flag\n"
      "c1;ada@example.com;12;marketing_qualified;a|b;opted_in;2026-01-02;false;2026-01-01T10:00:00+02:00;"
      "pro;5;0.5;2026-02-01;007;true\n"
      "c2;;;;;;;;;starter;6;1;2026-02-02T10:00:00Z;12;false\n";
  auto result = ReadRecords<v1::Customer>(csv, Format::kCsv);
  REQUIRE(result.ok());
  REQUIRE(result->errors.empty());
  REQUIRE(result->batch.records.size() == 2);
  const v1::Customer& c = result->batch.records[0];
  CHECK(c.email() == "ada@example.com");
  CHECK(c.employee_count() == 12);
  CHECK(c.lifecycle_stage() == v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
  CHECK(c.tags_size() == 2);
  CHECK(c.consent().email().status() == v1::Consent::OPTED_IN);
  CHECK(c.consent().email().at().seconds() == 1767312000);
  CHECK(c.has_do_not_contact());
  CHECK(c.created_at().seconds() == 1767225600 + 8 * 3600);
  CHECK(c.attrs().at("plan").string_value() == "pro");
  CHECK(c.attrs().at("seats").int_value() == 5);
  CHECK(c.attrs().at("ratio").double_value() == 0.5);  // 0.5 and 1 -> double
  CHECK(c.attrs().at("trial").has_timestamp_value());
  CHECK(c.attrs().at("code").string_value() == "007");  // leading zero stays a string
  CHECK(c.attrs().at("flag").bool_value());
  const v1::Customer& d = result->batch.records[1];
  CHECK_FALSE(d.has_email());  // empty cell = absent
  CHECK_FALSE(d.has_employee_count());
  CHECK(d.attrs().at("ratio").double_value() == 1.0);
  CHECK(result->batch.lines == std::vector<int64_t>{2, 3});
}

TEST_CASE("A CSV schema file overrides attribute inference", "[io][csv]") {
  auto schema = ParseCsvSchema(R"({"attrs": {"zip": "string", "langs": "string_list"}})");
  REQUIRE(schema.ok());
  ReadOptions options;
  options.attr_types = *schema;
  auto result = ReadRecords<v1::Customer>("id,attrs.zip,attrs.langs\nc1,10115,de|en\n", Format::kCsv, options);
  REQUIRE(result.ok());
  REQUIRE(result->errors.empty());
  CHECK(result->batch.records[0].attrs().at("zip").string_value() == "10115");
  CHECK(result->batch.records[0].attrs().at("langs").string_list_value().values_size() == 2);
  CHECK_FALSE(ParseCsvSchema(R"({"attrs": {"zip": "zipcode"}})").ok());
  CHECK_FALSE(ParseCsvSchema("{not json").ok());
}

TEST_CASE("CSV events take properties columns", "[io][csv]") {
  auto result = ReadRecords<v1::Event>(
      "id,customer_id,type,occurred_at,value,properties.url\n"
      "e1,c1,page_view,2026-01-05,,/pricing\n",
      Format::kCsv);
  REQUIRE(result.ok());
  REQUIRE(result->batch.records.size() == 1);
  CHECK(result->batch.records[0].properties().at("url") == "/pricing");
  CHECK_FALSE(result->batch.records[0].has_value());
}

TEST_CASE("Bad CSV cells name the line and column", "[io][csv][bad-input]") {
  auto result = ReadRecords<v1::Customer>(
      "id,employee_count,created_at,lifecycle_stage,first_name\n"
      "c1,many,,,\n"
      "c2,,last tuesday,,\n"
      "c3,,,qualified_lead,\n"
      "c4,,,,\xFF\xFE\n"
      "c5,1,2,3,4,5\n",
      Format::kCsv);
  REQUIRE(result.ok());
  REQUIRE(result->errors.size() == 5);
  CHECK(result->errors[0].ToString() == "record 1 (line 2), field \"employee_count\": expected an integer, got \"many\"");
  CHECK(result->errors[1].field == "created_at");
  CHECK(Contains(result->errors[1].message, "invalid timestamp \"last tuesday\""));
  CHECK(result->errors[2].field == "lifecycle_stage");
  CHECK(Contains(result->errors[2].message, "unknown value \"qualified_lead\""));
  CHECK(result->errors[3].field == "first_name");
  CHECK(Contains(result->errors[3].message, "invalid UTF-8"));
  CHECK(result->errors[4].ToString() == "record 5 (line 6): line 6: the row has 6 cells, the header has 5");
}

TEST_CASE("Unknown CSV columns are rejected unless ignored", "[io][csv][bad-input]") {
  auto bad = ReadRecords<v1::Customer>("id,emial\nc1,x\n", Format::kCsv);
  REQUIRE_FALSE(bad.ok());
  CHECK(Contains(Message(bad.status()), "unknown column \"emial\" for Customer (did you mean \"email\"?)"));
  ReadOptions ignore;
  ignore.ignore_unknown_fields = true;
  auto ok = ReadRecords<v1::Customer>("id,emial\nc1,x\n", Format::kCsv, ignore);
  REQUIRE(ok.ok());
  CHECK(ok->batch.records.size() == 1);
  auto missing = ReadRecords<v1::Event>("customer_id,type\nc1,call\n", Format::kCsv);
  REQUIRE_FALSE(missing.ok());
  CHECK(Contains(Message(missing.status()), "missing column \"occurred_at\""));
  auto unclosed = ReadRecords<v1::Customer>("id,email\nc1,\"x\n", Format::kCsv);
  REQUIRE_FALSE(unclosed.ok());
  CHECK(Contains(Message(unclosed.status()), "line 2: unclosed quote"));
}

TEST_CASE("JSON accepts snake_case and lowerCamelCase names", "[io][json]") {
  auto result = ReadRecords<v1::Customer>(
      R"([{"id": "c1", "first_name": "Ada", "employeeCount": "12",
           "attrs": {"plan": {"string_value": "pro"}}},
          {"id": "c2", "firstName": "Grace", "lifecycleStage": "LIFECYCLE_STAGE_LEAD"}])",
      Format::kJson);
  REQUIRE(result.ok());
  REQUIRE(result->errors.empty());
  REQUIRE(result->batch.records.size() == 2);
  CHECK(result->batch.records[0].first_name() == "Ada");
  CHECK(result->batch.records[0].employee_count() == 12);
  CHECK(result->batch.records[1].first_name() == "Grace");
  CHECK(result->batch.lines == std::vector<int64_t>{1, 3});
}

TEST_CASE("Malformed JSON names the line", "[io][json][bad-input]") {
  auto broken = ReadRecords<v1::Customer>("[{\"id\": \"c1\"},\n {\"id\": \"c2\"", Format::kJson);
  REQUIRE_FALSE(broken.ok());
  CHECK(Contains(Message(broken.status()), "line 2: malformed JSON"));
  auto bad_record = ReadRecords<v1::Customer>("[{\"id\": \"c1\"},\n {\"id\": 5 x}]", Format::kJson);
  REQUIRE(bad_record.ok());
  REQUIRE(bad_record->errors.size() == 1);
  CHECK(bad_record->errors[0].line == 2);
  auto unknown = ReadRecords<v1::Customer>(R"([{"id": "c1", "emial": "x"}])", Format::kJson);
  REQUIRE(unknown.ok());
  REQUIRE(unknown->errors.size() == 1);
  INFO(unknown->errors[0].message);
  CHECK(unknown->errors[0].field == "emial");
  ReadOptions ignore;
  ignore.ignore_unknown_fields = true;
  CHECK(ReadRecords<v1::Customer>(R"([{"id": "c1", "emial": "x"}])", Format::kJson, ignore)->errors.empty());
}

TEST_CASE("NDJSON reads one object per line", "[io][json]") {
  auto result = ReadRecords<v1::Event>(
      "{\"customer_id\": \"c1\", \"type\": \"call\", \"occurred_at\": \"2026-01-01T00:00:00Z\"}\n"
      "\n"
      "{\"customer_id\": \"c1\", \"type\": \"call\", \"occurred_at\": \"not a time\"}\n",
      Format::kNdjson);
  REQUIRE(result.ok());
  CHECK(result->batch.records.size() == 1);
  REQUIRE(result->errors.size() == 1);
  CHECK(result->errors[0].line == 3);
  CHECK(result->errors[0].index == 1);
}

TEST_CASE("Protobuf streams are length-delimited", "[io][protobuf]") {
  v1::Customer a, b;
  a.set_id("c1");
  a.set_email("ada@example.com");
  b.set_id("c2");
  std::string stream;
  AppendDelimited(a, &stream);
  AppendDelimited(b, &stream);
  auto result = ReadRecords<v1::Customer>(stream, Format::kProtobuf);
  REQUIRE(result.ok());
  REQUIRE(result->batch.records.size() == 2);
  CHECK(MessageDifferencer::Equals(result->batch.records[0], a));
  CHECK(result->batch.binary);

  SECTION("truncated bytes are an error naming the record and byte") {
    auto truncated = ReadRecords<v1::Customer>(stream.substr(0, stream.size() - 1), Format::kProtobuf);
    REQUIRE_FALSE(truncated.ok());
    CHECK(Contains(Message(truncated.status()), "record 2 (byte"));
    CHECK(Contains(Message(truncated.status()), "truncated protobuf"));
  }
  SECTION("invalid UTF-8 in a string field is a record error") {
    v1::Customer bad;
    bad.set_id("c3");
    std::string payload;
    bad.SerializeToString(&payload);
    payload += std::string("\x1a\x02\xC3\x28", 4);  // field 3 (email), 2 bytes, invalid UTF-8
    std::string s;
    s.push_back(static_cast<char>(payload.size()));
    s += payload;
    auto r = ReadRecords<v1::Customer>(s, Format::kProtobuf);
    REQUIRE(r.ok());
    REQUIRE(r->errors.size() == 1);
    CHECK(Contains(r->errors[0].message, "not valid UTF-8"));
  }
  SECTION("unknown fields are rejected unless ignored") {
    std::string payload = "\x0a\x02" "c4" "\xb8\x06\x01";  // id, then field 103 varint
    std::string s(1, static_cast<char>(payload.size()));
    s += payload;
    auto r = ReadRecords<v1::Customer>(s, Format::kProtobuf);
    REQUIRE(r->errors.size() == 1);
    CHECK(Contains(r->errors[0].message, "unknown field number 103"));
    ReadOptions ignore;
    ignore.ignore_unknown_fields = true;
    CHECK(ReadRecords<v1::Customer>(s, Format::kProtobuf, ignore)->errors.empty());
  }
}

TEST_CASE("Formats are named and inferred from paths", "[io]") {
  CHECK(*ParseFormat("ndjson") == Format::kNdjson);
  CHECK(*FormatFromPath("data/events.jsonl") == Format::kNdjson);
  CHECK(*FormatFromPath("x.pb") == Format::kProtobuf);
  CHECK_FALSE(FormatFromPath("x.xlsx").ok());
  CHECK_FALSE(ParseFormat("xml").ok());
}

}  // namespace
}  // namespace saleskit

namespace saleskit {
namespace {

TEST_CASE("Records print the same JSON and bytes every time", "[io][determinism]") {
  v1::Customer c;
  c.set_id("c1");
  for (const char* name : {"zeta", "alpha", "mid", "beta", "omega", "gamma", "delta"}) {
    (*c.mutable_attrs())[name].set_int_value(1);
  }
  const std::string json = ToJson(c);
  const std::string bytes = SerializeDeterministic(c);
  CHECK(json.find("\"alpha\"") < json.find("\"zeta\""));  // map keys in order
  for (int i = 0; i < 20; ++i) {
    v1::Customer copy;
    copy.set_id("c1");
    for (const auto& [k, v] : c.attrs()) (*copy.mutable_attrs())[k] = v;
    CHECK(ToJson(copy) == json);
    CHECK(SerializeDeterministic(copy) == bytes);
  }
}

TEST_CASE("JSON value errors name the field without decoration", "[io][json][bad-input]") {
  auto r = ReadRecords<v1::Event>(R"([{"customer_id": "c1", "type": "call", "occurred_at": "yesterday"}])",
                                  Format::kJson);
  REQUIRE(r.ok());
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0].field == "occurred_at");
}

}  // namespace
}  // namespace saleskit
