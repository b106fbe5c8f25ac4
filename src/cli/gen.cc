#include "cli/gen.h"

#include <algorithm>
#include <bitset>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "saleskit/io/csv.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::cli {
namespace {

// Every random decision below uses integers only (no floating point, no
// libm, no std distributions), so output is identical on every platform and
// compiler. Probabilities are in per mille. Never draw twice in one
// expression whose evaluation order C++ leaves open (operands of +, function
// arguments): each draw gets its own statement or a sequenced operator.

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// High 64 bits of a 64x64-bit product, portably.
uint64_t MulHigh64(uint64_t a, uint64_t b) {
  const uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  const uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffULL) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

// xoshiro256** seeded through splitmix64 from (seed, stream), so every
// account and every purpose has its own independent stream.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t sm = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (uint64_t& w : s_) w = SplitMix64(&sm);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return MulHigh64(Next(), n); }
  // Uniform in [lo, hi]; lo <= hi.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True with probability per_mille / 1000.
  bool Chance(int64_t per_mille) { return static_cast<int64_t>(Below(1000)) < per_mille; }
  // Binomial(n, 1/2) as the popcount of n random bits.
  int64_t HalfBinomial(int64_t n) {
    int64_t count = 0;
    for (; n >= 64; n -= 64) count += static_cast<int64_t>(std::bitset<64>(Next()).count());
    if (n > 0) count += static_cast<int64_t>(std::bitset<64>(Next() & ((1ULL << n) - 1)).count());
    return count;
  }
  // A count with mean mean_milli / 1000: Binomial(2m, 1/2), the fraction
  // of 2m rounded stochastically.
  int64_t Count(int64_t mean_milli) {
    if (mean_milli <= 0) return 0;
    const int64_t twice = 2 * mean_milli;
    int64_t n = twice / 1000;
    if (Chance(twice % 1000)) ++n;
    return HalfBinomial(n);
  }
  // An index into `weights`, with probability proportional to the weight.
  template <typename T, size_t N>
  size_t Pick(const T (&table)[N]) {
    int64_t total = 0;
    for (const T& t : table) total += t.weight;
    int64_t r = static_cast<int64_t>(Below(static_cast<uint64_t>(total)));
    for (size_t i = 0; i < N; ++i) {
      if (r < table[i].weight) return i;
      r -= table[i].weight;
    }
    return N - 1;
  }
  template <typename T, size_t N>
  const T& Of(const T (&list)[N]) {
    return list[Below(N)];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// ---------------------------------------------------------------- reference tables

struct Industry {
  absl::string_view name;
  int weight;
  int points;                       // fit
  int64_t revenue_per_employee_lo;  // USD
  int64_t revenue_per_employee_hi;
  absl::string_view words[8];       // company name cores; unique across industries
};
constexpr Industry kIndustries[] = {
    {"SaaS", 22, 14, 150000, 350000,
     {"Software", "Cloud", "Labs", "Analytics", "Systems", "Data", "AI", "Apps"}},
    {"Fintech", 12, 10, 200000, 500000,
     {"Pay", "Capital", "Finance", "Ledger", "Bank", "Wallet", "Credit", "Markets"}},
    {"Healthcare", 12, 4, 80000, 200000,
     {"Health", "Care", "Medical", "Clinic", "Bio", "Pharma", "Diagnostics", "Therapeutics"}},
    {"Retail", 12, -4, 50000, 150000,
     {"Goods", "Outfitters", "Market", "Stores", "Supply", "Brands", "Shop", "Trading"}},
    {"Manufacturing", 12, 0, 100000, 300000,
     {"Industries", "Manufacturing", "Works", "Machines", "Components", "Metals", "Plastics", "Robotics"}},
    {"Education", 8, -8, 40000, 100000,
     {"Learning", "Academy", "Education", "Tutors", "Campus", "School", "Institute", "Knowledge"}},
    {"Media", 8, -2, 100000, 250000,
     {"Media", "Studios", "Press", "Broadcasting", "Pictures", "Publishing", "Digital", "Records"}},
    {"Logistics", 8, 2, 80000, 200000,
     {"Logistics", "Freight", "Shipping", "Transport", "Cargo", "Express", "Fleet", "Delivery"}},
    {"Professional Services", 6, 3, 100000, 250000,
     {"Consulting", "Partners", "Advisors", "Group", "Solutions", "Associates", "Legal", "Services"}},
};

constexpr absl::string_view kCompanyPrefixes[] = {
    "Acme", "Apex", "Blue", "Bright", "Cedar", "Clear", "Copper", "Crest", "Delta", "Echo",
    "Ember", "Evergreen", "First", "Fusion", "Granite", "Green", "Harbor", "Helix", "Horizon", "Iron",
    "Juniper", "Keystone", "Lumen", "Maple", "Meridian", "Nimbus", "North", "Nova", "Oak", "Orbit",
    "Pine", "Pinnacle", "Prime", "Quantum", "Quartz", "Red", "River", "Sierra", "Silver", "Solar",
    "Spark", "Stone", "Summit", "Swift", "Terra", "True", "Union", "Vertex", "Vista", "West",
    "Willow", "Zenith", "Atlas", "Beacon", "Cobalt", "Falcon", "Lighthouse", "Mosaic", "Northwind", "Tidal",
};
constexpr int kPrefixCount = sizeof(kCompanyPrefixes) / sizeof(kCompanyPrefixes[0]);

struct Zone {
  absl::string_view region;  // state or province code
  absl::string_view timezone;
  int utc_offset_minutes;    // standard time; the generator ignores DST
};
struct Country {
  absl::string_view code;
  int weight;
  absl::string_view currency;
  absl::string_view tld;
  absl::string_view phone_prefix;
  absl::string_view legal[4];
  Zone zones[4];  // unused slots have an empty timezone
};
constexpr Country kCountries[] = {
    {"US", 340, "USD", ".com", "+1", {" Inc.", ", Inc.", " LLC", " Corp."},
     {{"NY", "America/New_York", -300}, {"IL", "America/Chicago", -360}, {"CO", "America/Denver", -420},
      {"CA", "America/Los_Angeles", -480}}},
    {"CA", 50, "USD", ".ca", "+1", {" Inc.", " Ltd.", " Corp.", " Inc."},
     {{"ON", "America/Toronto", -300}, {"BC", "America/Vancouver", -480}, {"QC", "America/Toronto", -300}, {}}},
    {"GB", 100, "GBP", ".co.uk", "+44", {" Ltd", " Ltd", " plc", " Limited"},
     {{"ENG", "Europe/London", 0}, {"SCT", "Europe/London", 0}, {}, {}}},
    {"DE", 90, "EUR", ".de", "+49", {" GmbH", " GmbH", " AG", " SE"},
     {{"BE", "Europe/Berlin", 60}, {"BY", "Europe/Berlin", 60}, {"HE", "Europe/Berlin", 60}, {"HH", "Europe/Berlin", 60}}},
    {"FR", 60, "EUR", ".fr", "+33", {" SAS", " SA", " SARL", " SAS"}, {{"IDF", "Europe/Paris", 60}, {"ARA", "Europe/Paris", 60}, {}, {}}},
    {"IN", 80, "USD", ".in", "+91", {" Pvt Ltd", " Ltd", " Pvt Ltd", " Technologies"},
     {{"KA", "Asia/Kolkata", 330}, {"MH", "Asia/Kolkata", 330}, {"DL", "Asia/Kolkata", 330}, {}}},
    {"AU", 50, "USD", ".com.au", "+61", {" Pty Ltd", " Pty Ltd", " Ltd", " Pty Ltd"},
     {{"NSW", "Australia/Sydney", 600}, {"VIC", "Australia/Melbourne", 600}, {}, {}}},
    {"BR", 50, "USD", ".com.br", "+55", {" Ltda", " S.A.", " Ltda", " Ltda"}, {{"SP", "America/Sao_Paulo", -180}, {"RJ", "America/Sao_Paulo", -180}, {}, {}}},
    {"JP", 40, "USD", ".jp", "+81", {" K.K.", " Co., Ltd.", " K.K.", " Inc."}, {{"13", "Asia/Tokyo", 540}, {"27", "Asia/Tokyo", 540}, {}, {}}},
    {"NL", 30, "EUR", ".nl", "+31", {" B.V.", " B.V.", " N.V.", " B.V."}, {{"NH", "Europe/Amsterdam", 60}, {"ZH", "Europe/Amsterdam", 60}, {}, {}}},
    {"ES", 30, "EUR", ".es", "+34", {" S.L.", " S.A.", " S.L.", " S.L."}, {{"MD", "Europe/Madrid", 60}, {"CT", "Europe/Madrid", 60}, {}, {}}},
    {"SG", 20, "USD", ".sg", "+65", {" Pte Ltd", " Pte Ltd", " Pte Ltd", " Pte Ltd"}, {{"SG", "Asia/Singapore", 480}, {}, {}, {}}},
};
constexpr int kCountryCount = sizeof(kCountries) / sizeof(kCountries[0]);

struct EmployeeBucket {
  int64_t lo, hi;
  int weight;
  int points;
};
// A coarse log-normal: buckets roughly equal in log width, uniform inside.
constexpr EmployeeBucket kEmployeeBuckets[] = {
    {1, 10, 18, -10}, {11, 50, 26, -2}, {51, 200, 24, 6},       {201, 500, 14, 10},
    {501, 1000, 8, 10}, {1001, 5000, 6, 6}, {5001, 20000, 3, 2}, {20001, 100000, 1, 0},
};

struct Title {
  absl::string_view name;
  int weight;
  int seniority;  // 0 student/intern .. 5 C-level
};
constexpr Title kTitles[] = {
    {"CEO", 3, 5}, {"CTO", 2, 5}, {"CFO", 1, 5}, {"COO", 1, 5}, {"Founder", 2, 5},
    {"VP of Sales", 3, 4}, {"VP Marketing", 3, 4}, {"VP Engineering", 2, 4}, {"VP Operations", 1, 4},
    {"Director of Sales", 4, 3}, {"Director of IT", 3, 3}, {"Marketing Director", 4, 3}, {"Head of Operations", 3, 3},
    {"Head of Revenue Operations", 2, 3},
    {"Sales Manager", 6, 2}, {"Marketing Manager", 7, 2}, {"Product Manager", 5, 2}, {"IT Manager", 4, 2},
    {"Operations Manager", 4, 2}, {"Customer Success Manager", 3, 2},
    {"Account Executive", 6, 1}, {"Software Engineer", 6, 1}, {"Data Analyst", 4, 1}, {"Marketing Specialist", 6, 1},
    {"Sales Development Representative", 5, 1}, {"Consultant", 3, 1}, {"Business Analyst", 3, 1},
    {"Intern", 2, 0}, {"Student", 3, 0},
};
constexpr int kSeniorityPoints[] = {-12, 0, 4, 8, 10, 10};

struct LeadSource {
  absl::string_view name;
  int weight;
  int points;
  bool inbound;  // arrives through a form on the site
};
constexpr LeadSource kLeadSources[] = {
    {"organic", 25, 4, true},   {"paid_search", 20, 0, true}, {"webinar", 10, 8, true}, {"referral", 8, 12, false},
    {"event", 8, 8, false},     {"outbound", 20, -6, false},  {"partner", 9, 6, false},
};

struct ContactsPerAccount {
  int lo, hi, weight;
};
constexpr ContactsPerAccount kContactsPerAccount[] = {
    {1, 1, 55}, {2, 2, 18}, {3, 3, 10}, {4, 5, 8}, {6, 10, 6}, {11, 25, 3},
};

constexpr absl::string_view kFirstNames[] = {
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Maria",
    "Wei", "Mei", "Hiroshi", "Yuki", "Arjun", "Priya", "Rahul", "Ananya", "Lukas", "Anna",
    "Felix", "Sophie", "Lucas", "Emma", "Hugo", "Chloe", "Mateo", "Sofia", "Oliver", "Amelia",
    "Noah", "Olivia", "Liam", "Ava", "Ethan", "Isabella", "Daniel", "Mia", "Kenji", "Aiko",
};
constexpr absl::string_view kLastNames[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright",
    "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Laurent", "Bernard", "Rossi", "Silva",
    "Santos", "Oliveira", "Sato", "Suzuki", "Takahashi", "Tanaka", "Patel", "Sharma", "Singh", "Chen",
};
constexpr absl::string_view kFreeMailDomains[] = {"gmail.com", "outlook.com", "yahoo.com"};

constexpr absl::string_view kOwners[] = {"u01", "u02", "u03", "u04", "u05", "u06",
                                         "u07", "u08", "u09", "u10", "u11", "u12"};

enum Stage : int { kSubscriber, kLead, kMql, kSql, kOpportunity, kCustomer, kEvangelist, kOther };
constexpr absl::string_view kStageNames[] = {"subscriber", "lead", "marketing_qualified", "sales_qualified",
                                             "opportunity", "customer", "evangelist", "other"};

struct Plan {
  absl::string_view name;
  int64_t price_per_seat_month;
};
constexpr Plan kPlans[] = {{"starter", 25}, {"pro", 60}, {"enterprise", 120}};

struct Weighted {
  absl::string_view name;
  int weight;
};
constexpr Weighted kOpenDealStages[] = {{"discovery", 30}, {"demo", 30}, {"proposal", 25}, {"negotiation", 15}};
constexpr Weighted kOptInSources[] = {{"signup_form", 45}, {"webinar_registration", 15}, {"event_badge_scan", 10},
                                      {"import", 20}, {"double_opt_in", 10}};

// Event types, in the order they sort among events at the same instant.
enum EventType : uint8_t {
  kEmailOpen, kEmailClick, kPageView, kFormSubmit, kCall, kMeeting, kPurchase, kWebinarAttended
};
constexpr absl::string_view kEventTypeNames[] = {"email_open", "email_click", "page_view", "form_submit",
                                                 "call",       "meeting",     "purchase",  "webinar_attended"};

// properties.url values; index 0 means none.
constexpr absl::string_view kUrls[] = {
    "",  // none
    "/", "/product", "/pricing", "/docs/getting-started", "/docs/api", "/docs/integrations",
    "/blog/lead-scoring-101", "/blog/segmentation-guide", "/blog/sales-playbooks", "/blog/crm-hygiene",
    "/blog/pipeline-forecasting", "/blog/email-deliverability", "/customers", "/security", "/careers",
    "/integrations", "/demo", "/contact", "/ebook/sales-automation", "/signup", "/webinar/register",
};
enum Url : uint16_t {
  kNoUrl = 0, kHome = 1, kProduct, kPricing, kDocsStart, kDocsApi, kDocsIntegrations, kBlogFirst,
  kBlogLast = kBlogFirst + 5, kCustomers, kSecurity, kCareers, kIntegrations, kDemo, kContact, kEbook,
  kSignup, kWebinarRegister,
};
static_assert(sizeof(kUrls) / sizeof(kUrls[0]) == kWebinarRegister + 1, "url table");

constexpr int kHourWeights[24] = {1, 1, 1, 1, 1, 1, 2, 3, 6, 10, 10, 10, 7, 9, 9, 9, 8, 6, 3, 3, 3, 2, 2, 1};
constexpr int HourWeightTotal() {
  int total = 0;
  for (int w : kHourWeights) total += w;
  return total;
}

// ---------------------------------------------------------------- text output

void AppendInt(int64_t v, std::string* out, int min_width = 0) {
  char buf[24];
  int n = 0;
  const bool negative = v < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  while (n < min_width) buf[n++] = '0';
  if (negative) out->push_back('-');
  while (n > 0) out->push_back(buf[--n]);
}

struct Civil {
  int64_t year;
  int month, day;
};
// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

void AppendDate(Micros t, std::string* out, char sep = '-') {
  const Civil c = CivilFromDays(FloorDiv(t, kDay));
  AppendInt(c.year, out, 4);
  out->push_back(sep);
  AppendInt(c.month, out, 2);
  out->push_back(sep);
  AppendInt(c.day, out, 2);
}

// Whole seconds, as FormatTimestamp writes them: 2026-01-05T14:03:00Z.
void AppendTimestamp(Micros t, std::string* out) {
  AppendDate(t, out);
  const int64_t s = FloorDiv(t, kSecond) - FloorDiv(t, kDay) * 86400;
  out->push_back('T');
  AppendInt(s / 3600, out, 2);
  out->push_back(':');
  AppendInt(s / 60 % 60, out, 2);
  out->push_back(':');
  AppendInt(s % 60, out, 2);
  out->push_back('Z');
}

// Money with two decimals from whole currency units.
void AppendMoney(int64_t units, std::string* out) {
  AppendInt(units, out);
  out->append(".00");
}

// Builds one CSV row; cells are separated and quoted as needed.
class Row {
 public:
  explicit Row(std::string* out) : out_(out) {}
  Row& Text(absl::string_view v) {
    Sep();
    AppendCsvCell(v, out_);
    return *this;
  }
  Row& Int(int64_t v) {
    Sep();
    AppendInt(v, out_);
    return *this;
  }
  Row& Time(Micros t) {
    Sep();
    AppendTimestamp(t, out_);
    return *this;
  }
  Row& Date(Micros t) {
    Sep();
    AppendDate(t, out_);
    return *this;
  }
  Row& Money(int64_t units) {
    Sep();
    AppendMoney(units, out_);
    return *this;
  }
  Row& Id(char prefix, int64_t n, int width) {
    Sep();
    out_->push_back(prefix);
    AppendInt(n, out_, width);
    return *this;
  }
  Row& Empty() {
    Sep();
    return *this;
  }
  void End() { out_->push_back('\n'); }

 private:
  void Sep() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

constexpr absl::string_view kAccountsHeader =
    "id,name,domain,industry,country,employee_count,annual_revenue,owner_id,created_at\n";
constexpr absl::string_view kCustomersHeader =
    "id,account_id,email,phone,first_name,last_name,title,company,industry,country,region,timezone,"
    "employee_count,annual_revenue,lifecycle_stage,lead_source,owner_id,created_at,updated_at,tags,"
    "consent.email,consent.email.source,consent.email.at,do_not_contact,attrs.plan_interest,attrs.seats,"
    "attrs.nps,attrs.trial_started\n";
constexpr absl::string_view kDealsHeader =
    "id,account_id,customer_id,name,stage,amount,currency,close_date,status,owner_id,created_at\n";
constexpr absl::string_view kEventsHeader = "id,customer_id,type,occurred_at,value,properties.url,properties.campaign\n";

// ---------------------------------------------------------------- the generator

struct Event {
  Micros at;
  uint32_t customer;  // 0-based index; the id is c + (index + 1)
  uint8_t type;
  uint16_t url;
  uint16_t campaign;  // index + 1 into campaigns; 0 for none
  int64_t value;      // whole currency units; -1 for none

  bool operator<(const Event& o) const {
    if (at != o.at) return at < o.at;
    if (customer != o.customer) return customer < o.customer;
    if (type != o.type) return type < o.type;
    if (url != o.url) return url < o.url;
    if (campaign != o.campaign) return campaign < o.campaign;
    return value < o.value;
  }
};

// An email or webinar with a fixed send time.
struct Campaign {
  std::string name;
  Micros at;
  bool webinar;
};

class Generator {
 public:
  Generator(const GenOptions& options, Micros start)
      : options_(options), start_(start), end_(start + options.days * kDay), day0_(FloorDiv(start, kDay) * kDay) {
    for (int64_t d = 0; d <= options.days; ++d) {
      const Micros day = day0_ + d * kDay;
      std::string date;
      AppendDate(day, &date, '_');
      if (d % 7 == 1) {
        static constexpr absl::string_view kKinds[] = {"newsletter", "product_update", "newsletter", "nurture"};
        campaigns_.push_back({absl::StrCat(kKinds[(d / 7) % 4], "_", date), day + 15 * kHour, false});
      }
      if (d % 21 == 9) campaigns_.push_back({absl::StrCat("webinar_", date), day + 16 * kHour, true});
    }
    year_ = CivilFromDays(FloorDiv(start, kDay)).year;
    domain_uses_.assign(kPrefixCount * sizeof(kIndustries) / sizeof(kIndustries[0]) * 8, 0);
  }

  std::map<std::string, std::string> Run();

 private:
  struct Person;
  void GenerateAccount(int64_t account_index, int64_t first_customer, int64_t count);
  void GenerateBehaviour(Rng& rng, Person& p);
  // A time in [lo, end_) on a day and hour weighted towards the person's business hours.
  Micros BusinessTime(Rng& rng, Micros lo, int utc_offset_minutes);
  void AddEvent(Person& p, Micros at, EventType type, uint16_t url = kNoUrl, uint16_t campaign = 0,
                int64_t value = -1);

  const GenOptions& options_;
  const Micros start_, end_, day0_;
  int64_t year_;
  std::vector<Campaign> campaigns_;
  std::vector<uint32_t> domain_uses_;
  int64_t next_deal_ = 1;
  std::vector<Event> events_;
  std::string accounts_, customers_, deals_;
};

// What the behaviour of one person depends on, and what it produced.
struct Generator::Person {
  uint32_t index;
  Micros created;
  int utc_offset;
  int prop_engage, prop_convert;  // latent propensity, per mille (equal unless noise)
  bool noise;
  int activity;                   // per mille multiplier on engagement
  bool inbound;
  bool dnc;
  Micros opted_out_at;            // email events stop here; end_ when never
  int lead_source;
  // Results.
  Micros updated;
  int opens = 0, clicks = 0, pricing = 0, webinars = 0;
  bool demo = false, ebook = false;
  int stage = kLead;
  Micros t_mql = 0, t_sql = 0, t_opp = 0, t_close = 0;
  int deal_status = 0;  // 0 none, 1 open, 2 won, 3 lost
};

Micros Generator::BusinessTime(Rng& rng, Micros lo, int utc_offset_minutes) {
  const int64_t offset = utc_offset_minutes * kMinute;
  const int64_t first_day = FloorDiv(lo + offset - day0_, kDay);
  const int64_t last_day = FloorDiv(end_ - 1 + offset - day0_, kDay);
  for (int attempt = 0; attempt < 4; ++attempt) {
    int64_t d = rng.Range(first_day, last_day);
    // 1970-01-01 was a Thursday; weekends are a quarter as busy.
    const int64_t weekday = ((FloorDiv(day0_, kDay) + d) % 7 + 7 + 4) % 7;  // 0 = Sunday
    if ((weekday == 0 || weekday == 6) && rng.Chance(750)) d = rng.Range(first_day, last_day);
    int hour = 0;
    int64_t r = static_cast<int64_t>(rng.Below(HourWeightTotal()));
    while (r >= kHourWeights[hour]) r -= kHourWeights[hour++];
    const Micros local = day0_ + d * kDay + hour * kHour + rng.Range(0, 3599) * kSecond;
    const Micros t = local - offset;
    if (t >= lo && t < end_) return t;
  }
  return lo + rng.Range(0, (end_ - 1 - lo) / kSecond) * kSecond;
}

void Generator::AddEvent(Person& p, Micros at, EventType type, uint16_t url, uint16_t campaign, int64_t value) {
  events_.push_back(Event{at, p.index, static_cast<uint8_t>(type), url, campaign, value});
  p.updated = std::max(p.updated, at);
}

void Generator::GenerateBehaviour(Rng& rng, Person& p) {
  const Micros active = std::max(p.created, start_);
  const int64_t active_days = (end_ - active + kDay - 1) / kDay;
  const int64_t engage = p.prop_engage * p.activity / 1000;  // per mille

  if (p.inbound && p.created >= start_) {
    // The form that created the lead.
    static constexpr uint16_t kEntry[] = {kSignup, kEbook, kWebinarRegister, kContact};
    const uint16_t url = rng.Of(kEntry);
    if (url == kEbook) p.ebook = true;
    AddEvent(p, p.created, kFormSubmit, url);
  }

  // Email: each campaign sent while the person is active may be opened, then clicked.
  const int64_t open_rate = 15 + engage * 75 / 100;
  const int64_t click_rate = 100 + p.prop_engage * 45 / 100;
  for (size_t i = 0; i < campaigns_.size(); ++i) {
    const Campaign& c = campaigns_[i];
    if (c.at < active || c.at >= end_ || c.at >= p.opted_out_at) continue;
    if (c.webinar) {
      if (!rng.Chance(5 + engage / 6)) continue;
      const Micros at = c.at + rng.Range(0, 600) * kSecond;
      if (at >= end_) continue;
      AddEvent(p, at, kWebinarAttended, kNoUrl, static_cast<uint16_t>(i + 1));
      ++p.webinars;
      continue;
    }
    if (!rng.Chance(open_rate)) continue;
    static constexpr int64_t kDelayHours[] = {0, 0, 0, 0, 1, 1, 2, 3, 5, 8, 14, 20, 30, 50};
    const int64_t delay_hours = rng.Of(kDelayHours);
    const Micros open = c.at + delay_hours * kHour + rng.Range(30, 3599) * kSecond;
    if (open >= end_ || open >= p.opted_out_at) continue;
    AddEvent(p, open, kEmailOpen, kNoUrl, static_cast<uint16_t>(i + 1));
    ++p.opens;
    if (rng.Chance(click_rate)) {
      const Micros click = open + rng.Range(5, 900) * kSecond;
      if (click >= end_) continue;
      AddEvent(p, click, kEmailClick, kNoUrl, static_cast<uint16_t>(i + 1));
      ++p.clicks;
    }
  }

  // Web sessions of 1-4 page views; the pricing page draws the interested.
  const int64_t sessions = rng.Count(active_days * (10 + engage * 4 / 10) / 7);
  const int64_t pricing_share = 40 + p.prop_engage * 30 / 100;
  for (int64_t s = 0; s < sessions; ++s) {
    Micros t = BusinessTime(rng, active, p.utc_offset);
    int64_t views = 1 + static_cast<int64_t>(rng.Below(2));
    views += static_cast<int64_t>(rng.Below(3)) / 2;
    for (int64_t v = 0; v < views && t < end_; ++v) {
      uint16_t url;
      const int64_t r = rng.Below(1000);
      if (r < pricing_share) {
        url = kPricing;
        ++p.pricing;
      } else if (r < 700) {
        url = static_cast<uint16_t>(kBlogFirst + rng.Below(kBlogLast - kBlogFirst + 1));
      } else if (r < 800) {
        url = static_cast<uint16_t>(kDocsStart + rng.Below(3));
      } else {
        static constexpr uint16_t kOther[] = {kHome, kHome, kProduct, kProduct, kCustomers, kSecurity, kCareers,
                                              kIntegrations};
        url = rng.Of(kOther);
      }
      AddEvent(p, t, kPageView, url);
      t += rng.Range(20, 400) * kSecond;
    }
  }

  // A demo request is the strongest engagement signal.
  if (rng.Chance(20 + p.prop_engage * 30 / 100) && rng.Chance(1000 * std::min<int64_t>(active_days, 60) / 60)) {
    p.demo = true;
    AddEvent(p, BusinessTime(rng, active, p.utc_offset), kFormSubmit, kDemo);
  }

  // ---- The funnel: propensity and realised engagement decide each step.
  int64_t eng_points = std::min<int64_t>(400, 3 * p.opens + 15 * p.clicks + 30 * p.pricing + 40 * p.webinars +
                                                  (p.demo ? 200 : 0));
  if (p.noise) eng_points = rng.Range(0, 400);
  const int64_t prop = p.prop_convert;
  const bool demo = p.noise ? rng.Chance(200) : p.demo;
  int64_t steps = 0;
  if (rng.Chance(Clamp(100 + prop * 7 / 10 + eng_points, 0, 950))) {
    steps = 1;
    if (rng.Chance(Clamp(100 + prop * 6 / 10 + eng_points / 2 + (demo ? 250 : 0), 0, 950))) {
      steps = 2;
      if (rng.Chance(Clamp(300 + prop / 2, 0, 950))) {
        steps = 3;
        const int64_t r = rng.Below(1000);
        const int64_t won = Clamp(250 + prop / 2, 0, 900);
        p.deal_status = r < won ? 2 : r < won + (1000 - won) / 2 ? 1 : 3;
        if (p.deal_status == 2) steps = 4;
      }
    }
  }
  // Transition times: sorted uniform times between creation and the end of the window.
  Micros times[4];
  for (Micros& t : times) t = p.created + rng.Range(0, (end_ - 1 - p.created) / kSecond) * kSecond;
  std::sort(times, times + 4);
  p.t_mql = times[0];
  p.t_sql = times[1];
  p.t_opp = times[2];
  p.t_close = times[3];
  static constexpr int kStageAfter[] = {kLead, kMql, kSql, kOpportunity, kCustomer};
  p.stage = kStageAfter[steps];
  if (steps == 0 && p.lead_source <= 1 && !p.demo && rng.Chance(300)) p.stage = kSubscriber;
  if (steps <= 1 && rng.Chance(20)) p.stage = kOther;
  if (steps >= 1) p.updated = std::max(p.updated, p.t_mql);
  if (steps >= 2) p.updated = std::max(p.updated, p.t_sql);
  if (steps >= 3) p.updated = std::max(p.updated, p.t_opp);
  if (p.deal_status == 2 || p.deal_status == 3) p.updated = std::max(p.updated, p.t_close);

  // Sales touches once qualified (never for do-not-contact).
  if (steps >= 2 && !p.dnc) {
    const Micros from = std::max(p.t_sql, start_);
    const int64_t calls = p.t_sql >= start_ ? 1 + rng.Below(3) : rng.Below(2);
    for (int64_t i = 0; i < calls; ++i) AddEvent(p, BusinessTime(rng, from, p.utc_offset), kCall);
    if (steps >= 3) {
      const Micros from_opp = std::max(p.t_opp, start_);
      const int64_t meetings = p.t_opp >= start_ ? 1 + rng.Below(2) : rng.Below(2);
      for (int64_t i = 0; i < meetings; ++i) AddEvent(p, BusinessTime(rng, from_opp, p.utc_offset), kMeeting);
    }
  }
}

void Generator::GenerateAccount(int64_t account_index, int64_t first_customer, int64_t count) {
  Rng rng(options_.seed, static_cast<uint64_t>(account_index) + 1);
  const size_t ind = rng.Pick(kIndustries);
  const Industry& industry = kIndustries[ind];
  const size_t cty = rng.Pick(kCountries);
  const Country& country = kCountries[cty];
  const EmployeeBucket& bucket = kEmployeeBuckets[rng.Pick(kEmployeeBuckets)];
  const int64_t employees = rng.Range(bucket.lo, bucket.hi);
  const int64_t revenue =
      employees * rng.Range(industry.revenue_per_employee_lo, industry.revenue_per_employee_hi) / 1000 * 1000;
  const absl::string_view owner = rng.Of(kOwners);
  const size_t prefix = rng.Below(kPrefixCount);
  const size_t word = rng.Below(8);
  const std::string company =
      absl::StrCat(kCompanyPrefixes[prefix], " ", industry.words[word], rng.Of(country.legal));
  uint32_t& uses = domain_uses_[(prefix * (sizeof(kIndustries) / sizeof(kIndustries[0])) + ind) * 8 + word];
  std::string domain = absl::AsciiStrToLower(absl::StrCat(kCompanyPrefixes[prefix], industry.words[word]));
  if (uses > 0) absl::StrAppend(&domain, uses + 1);
  ++uses;
  absl::StrAppend(&domain, (ind == 0 && rng.Chance(300)) ? ".io" : rng.Chance(250) ? ".com" : country.tld);
  int zone_count = 0;
  while (zone_count < 4 && !country.zones[zone_count].timezone.empty()) ++zone_count;
  const int fit = industry.points + bucket.points;

  Micros account_created = end_;
  std::vector<std::pair<size_t, size_t>> names;  // (first, last) already used at this domain
  for (int64_t k = 0; k < count; ++k) {
    const int64_t ci = first_customer + k;
    Person p{};
    p.index = static_cast<uint32_t>(ci);
    const Zone& zone = country.zones[rng.Below(static_cast<uint64_t>(zone_count))];
    p.utc_offset = zone.utc_offset_minutes;
    const Title* title = rng.Chance(30) ? nullptr : &kTitles[rng.Pick(kTitles)];
    p.lead_source = static_cast<int>(rng.Pick(kLeadSources));
    const LeadSource& source = kLeadSources[p.lead_source];
    p.inbound = source.inbound;
    // Latent propensity: fit plus about +-8.5 points of person-level noise.
    int64_t z = fit + (title ? kSeniorityPoints[title->seniority] : 0) + source.points;
    for (int i = 0; i < 3; ++i) z += rng.Range(-8, 8);
    p.prop_engage = static_cast<int>(Clamp(300 + 14 * (z - 10), 20, 950));
    p.noise = rng.Chance(50);
    p.prop_convert = p.noise ? static_cast<int>(rng.Range(20, 950)) : p.prop_engage;
    if (rng.Chance(150)) {
      p.activity = static_cast<int>(rng.Range(50, 250));  // dormant
    } else {
      p.activity = static_cast<int>(rng.Range(400, 1200));
      p.activity += static_cast<int>(rng.Range(0, 400));
    }
    // 45% were in the CRM before the window; the rest arrive during it.
    if (rng.Chance(450)) {
      p.created = start_ - rng.Range(1, 365 * 86400) * kSecond;
    } else {
      p.created = BusinessTime(rng, start_, p.utc_offset);
    }
    p.updated = p.created;
    account_created = std::min(account_created, p.created);
    p.dnc = rng.Chance(20);
    const int64_t consent_roll = rng.Below(1000);
    const int consent = consent_roll < 40 ? 0 : consent_roll < 140 ? 2 : 1;  // 0 absent, 1 in, 2 out
    p.opted_out_at = end_;
    Micros consent_at = p.created;
    if (consent == 2) {
      consent_at = p.created + rng.Range(0, (end_ - 1 - p.created) / kSecond) * kSecond;
      p.opted_out_at = consent_at;
    }

    GenerateBehaviour(rng, p);

    // Attributes that follow from fit and behaviour.
    const int64_t plan_roll = rng.Below(100);
    const size_t plan = employees < 50 ? (plan_roll < 60 ? 0 : plan_roll < 95 ? 1 : 2)
                        : employees <= 1000 ? (plan_roll < 25 ? 0 : plan_roll < 80 ? 1 : 2)
                                            : (plan_roll < 5 ? 0 : plan_roll < 40 ? 1 : 2);
    const int64_t seats = Clamp(employees / rng.Range(3, 20), 1, 2000);
    const bool is_customer = p.stage == kCustomer;
    int64_t nps = -1;
    if (rng.Chance(is_customer ? 700 : 250)) {
      nps = rng.Range(is_customer ? 4 : 0, 10);
      if (is_customer) nps = std::min<int64_t>(10, nps + rng.Range(0, 2));
    }
    if (is_customer && nps >= 9 && rng.Chance(400)) p.stage = kEvangelist;
    Micros trial = -1;
    if (rng.Chance(50 + p.prop_engage / 4)) {
      trial = std::min(p.created + rng.Range(0, 30 * 86400) * kSecond, end_ - kSecond);
      if (p.stage >= kOpportunity && p.stage <= kEvangelist && p.t_opp > p.created) trial = std::min(trial, p.t_opp);
      p.updated = std::max(p.updated, trial);
    }

    // Deal and purchases.
    const bool won = p.deal_status == 2;
    const int64_t amount = std::max<int64_t>(100, seats * kPlans[plan].price_per_seat_month * 12 / 100 * 100);
    if (p.deal_status != 0) {
      Row row(&deals_);
      row.Id('d', next_deal_++, 6).Id('a', account_index + 1, 6).Id('c', ci + 1, 7);
      std::string name = absl::StrCat(company, " - ", absl::AsciiStrToUpper(kPlans[plan].name.substr(0, 1)),
                                      kPlans[plan].name.substr(1), " (", seats, seats == 1 ? " seat)" : " seats)");
      row.Text(name);
      if (p.deal_status == 1) {
        row.Text(kOpenDealStages[rng.Pick(kOpenDealStages)].name);
      } else {
        row.Text(won ? "closed_won" : "closed_lost");
      }
      row.Money(amount).Text(country.currency);
      if (p.deal_status == 1) {
        row.Date(end_ + rng.Range(7, 90) * kDay);
      } else {
        row.Date(p.t_close);
      }
      static constexpr absl::string_view kStatus[] = {"", "open", "won", "lost"};
      row.Text(kStatus[p.deal_status]).Text(owner).Time(p.t_opp).End();
    }
    if (won && p.t_close >= start_) AddEvent(p, p.t_close, kPurchase, kNoUrl, 0, amount);
    if (won) {
      // Onboarding: paying customers read the docs.
      const Micros onboarding = std::max(p.t_close, start_);
      const int64_t docs = rng.Count((end_ - onboarding) / kDay * 300 / 7);
      for (int64_t i = 0; i < docs; ++i) {
        const Micros at = BusinessTime(rng, onboarding, p.utc_offset);
        AddEvent(p, at, kPageView, static_cast<uint16_t>(kDocsStart + rng.Below(3)));
      }
      // Add-ons over the window for paying customers.
      const int64_t addons = rng.Below(3);
      for (int64_t i = 0; i < addons; ++i) {
        const Micros from = std::max(p.t_close, start_) + kDay;
        if (from >= end_) break;
        const Micros at = BusinessTime(rng, from, p.utc_offset);
        AddEvent(p, at, kPurchase, kNoUrl, 0, rng.Range(5, 50) * 100);
      }
    }

    // Name and email, unique within the account's domain.
    size_t first = rng.Below(sizeof(kFirstNames) / sizeof(kFirstNames[0]));
    size_t last = rng.Below(sizeof(kLastNames) / sizeof(kLastNames[0]));
    int same = 0;
    for (const auto& n : names) same += n == std::make_pair(first, last);
    names.emplace_back(first, last);
    std::string email = absl::AsciiStrToLower(absl::StrCat(kFirstNames[first], ".", kLastNames[last]));
    if (rng.Chance(50)) {
      absl::StrAppend(&email, ci + 1, "@", rng.Of(kFreeMailDomains));
    } else {
      if (same > 0) absl::StrAppend(&email, same + 1);
      absl::StrAppend(&email, "@", domain);
    }

    // Tags, in a fixed order.
    std::string tags;
    auto tag = [&tags](absl::string_view t) {
      if (!tags.empty()) tags.push_back('|');
      tags.append(t.data(), t.size());
    };
    if (consent == 1 && rng.Chance(600)) tag("newsletter");
    if (p.webinars > 0) tag(absl::StrCat("webinar_", year_));
    if (p.lead_source == 4) tag(absl::StrCat("trade_show_", year_));
    if (p.ebook) tag("ebook");
    if (p.lead_source == 6) tag("partner_referral");
    if (plan == 2 && p.stage >= kCustomer && p.stage <= kEvangelist && rng.Chance(300)) tag("vip");
    if (nps >= 0 && nps <= 6 && is_customer) tag("churn_risk");
    if (rng.Chance(50)) tag("competitor_user");

    Row row(&customers_);
    row.Id('c', ci + 1, 7).Id('a', account_index + 1, 6).Text(email);
    if (rng.Chance(750)) {
      // North American numbers use the fictional 555-01XX range.
      const int64_t a = rng.Range(201, 989), b = rng.Range(100, 999), c = rng.Range(1000, 9999);
      std::string phone = country.phone_prefix == "+1"
                              ? absl::StrCat("+1 ", a, " 555 0", b % 100 + 100)
                              : absl::StrCat(country.phone_prefix, " ", a % 80 + 20, " ", b, " ", c);
      row.Text(phone);
    } else {
      row.Empty();
    }
    row.Text(kFirstNames[first]).Text(kLastNames[last]);
    title ? row.Text(title->name) : row.Empty();
    row.Text(company);
    rng.Chance(20) ? row.Empty() : row.Text(industry.name);
    row.Text(country.code);
    rng.Chance(80) ? row.Empty() : row.Text(zone.region);
    rng.Chance(30) ? row.Empty() : row.Text(zone.timezone);
    rng.Chance(50) ? row.Empty() : row.Int(employees);
    rng.Chance(80) ? row.Empty() : row.Money(revenue);
    row.Text(kStageNames[p.stage]).Text(source.name);
    // Early-stage leads are sometimes unassigned; most contacts share the account owner.
    if (p.stage <= kLead && rng.Chance(150)) {
      row.Empty();
    } else {
      row.Text(rng.Chance(900) ? owner : rng.Of(kOwners));
    }
    row.Time(p.created).Time(std::min(p.updated, end_ - kSecond));
    tags.empty() ? row.Empty() : row.Text(tags);
    if (consent == 0) {
      row.Empty().Empty().Empty();
    } else if (consent == 1) {
      row.Text("opted_in").Text(kOptInSources[rng.Pick(kOptInSources)].name).Time(consent_at);
    } else {
      row.Text("opted_out").Text("unsubscribe_link").Time(consent_at);
    }
    const int64_t dnc_roll = rng.Below(1000);
    p.dnc ? row.Text("true") : dnc_roll < 300 ? row.Text("false") : row.Empty();
    rng.Chance(150) ? row.Empty() : row.Text(kPlans[plan].name);
    rng.Chance(300) ? row.Empty() : row.Int(seats);
    nps >= 0 ? row.Int(nps) : row.Empty();
    trial >= 0 ? row.Time(trial) : row.Empty();
    row.End();
  }

  Row row(&accounts_);
  row.Id('a', account_index + 1, 6).Text(company).Text(domain).Text(industry.name).Text(country.code);
  rng.Chance(20) ? row.Empty() : row.Int(employees);
  rng.Chance(50) ? row.Empty() : row.Money(revenue);
  row.Text(owner).Time(account_created - rng.Range(0, 30 * 86400) * kSecond).End();
}

std::map<std::string, std::string> Generator::Run() {
  accounts_.append(kAccountsHeader.data(), kAccountsHeader.size());
  customers_.append(kCustomersHeader.data(), kCustomersHeader.size());
  deals_.append(kDealsHeader.data(), kDealsHeader.size());
  customers_.reserve(static_cast<size_t>(options_.customers) * 330);
  accounts_.reserve(static_cast<size_t>(options_.customers) * 40);
  events_.reserve(static_cast<size_t>(options_.customers) * (8 + options_.days / 12));

  // Accounts draw their size from the sequence's own stream, so account k
  // looks the same whatever the total (only the last one is cut short).
  Rng sizes(options_.seed, 0);
  int64_t next = 0;
  for (int64_t account = 0; next < options_.customers; ++account) {
    const ContactsPerAccount& c = kContactsPerAccount[sizes.Pick(kContactsPerAccount)];
    const int64_t count = std::min<int64_t>(sizes.Range(c.lo, c.hi), options_.customers - next);
    GenerateAccount(account, next, count);
    next += count;
  }

  // Events in time order; the order is total, so std::sort is deterministic.
  std::sort(events_.begin(), events_.end());
  std::string events;
  events.reserve(events_.size() * 78 + kEventsHeader.size());
  events.append(kEventsHeader.data(), kEventsHeader.size());
  Rng duplicates(options_.seed, ~0ULL);
  const int id_width = 8;
  int64_t id = 0;
  for (const Event& e : events_) {
    ++id;
    // About 0.5% are delivered twice (at-least-once delivery): same id, same row.
    const int copies = duplicates.Below(200) == 0 ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      Row row(&events);
      row.Id('e', id, id_width).Id('c', static_cast<int64_t>(e.customer) + 1, 7).Text(kEventTypeNames[e.type]).Time(e.at);
      e.value >= 0 ? row.Money(e.value) : row.Empty();
      e.url != kNoUrl ? row.Text(kUrls[e.url]) : row.Empty();
      e.campaign != 0 ? row.Text(campaigns_[e.campaign - 1].name) : row.Empty();
      row.End();
    }
  }
  std::vector<Event>().swap(events_);

  std::map<std::string, std::string> files;
  files.emplace("accounts.csv", std::move(accounts_));
  files.emplace("customers.csv", std::move(customers_));
  files.emplace("deals.csv", std::move(deals_));
  files.emplace("events.csv", std::move(events));
  return files;
}

absl::StatusOr<Micros> CheckOptions(const GenOptions& options) {
  if (options.customers < 1 || options.customers > 10000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--customers must be between 1 and 10000000, got ", options.customers));
  }
  if (options.days < 1 || options.days > 3650) {
    return absl::InvalidArgumentError(absl::StrCat("--days must be between 1 and 3650, got ", options.days));
  }
  absl::StatusOr<Micros> start = ParseTimestamp(options.start);
  if (!start.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--start \"", options.start, "\": ", start.status().message()));
  }
  // Customers may have been created up to a year before the window, and
  // deals may close up to 90 days after it; all of it must be in 0001-9999.
  const Micros lo = 2 * 366 * kDay - 62135596800LL * kSecond;                  // 0003-01-01
  const Micros hi = 253402300800LL * kSecond - (options.days + 100) * kDay;  // before 10000-01-01
  if (*start < lo || *start > hi) {
    return absl::InvalidArgumentError(absl::StrCat("--start \"", options.start,
                                                   "\" is out of range: the window must lie within years 0003-9999"));
  }
  return start;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> GenerateInMemory(const GenOptions& options) {
  SALESKIT_ASSIGN_OR_RETURN(const Micros start, CheckOptions(options));
  Generator generator(options, start);
  return generator.Run();
}

absl::Status Generate(const GenOptions& options, const std::string& dir) {
  SALESKIT_ASSIGN_OR_RETURN(auto files, GenerateInMemory(options));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create directory ", dir, ": ", ec.message()));
  for (const auto& [name, text] : files) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return absl::UnavailableError(absl::StrCat("cannot open ", path, " for writing"));
    const size_t written = std::fwrite(text.data(), 1, text.size(), f);
    const bool closed = std::fclose(f) == 0;
    if (written != text.size() || !closed) return absl::DataLossError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace saleskit::cli
