/*
 * C tests of the exchange-soa C ABI, linked against the built library and run under valgrind
 * by tests/lib/c.sh. Each test uses goto-cleanup so that every path releases what it made;
 * valgrind proves it (no leaks, no invalid reads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soa.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "  check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
      ok = 0;                                                                        \
      goto cleanup;                                                                  \
    }                                                                                \
  } while (0)

#define CHECK_STATUS(call, expected)                                                 \
  do {                                                                               \
    soa_status st_ = (call);                                                         \
    if (st_ != (expected)) {                                                         \
      char *msg_ = soa_last_error();                                                 \
      fprintf(stderr, "  %s:%d: %s returned %s, expected %s (%s)\n", __FILE__,       \
              __LINE__, #call, soa_status_name(st_), soa_status_name(expected),      \
              msg_ ? msg_ : "no message");                                           \
      soa_string_free(msg_);                                                         \
      ok = 0;                                                                        \
      goto cleanup;                                                                  \
    }                                                                                \
  } while (0)

static void report(const char *name, int ok) {
  printf("%s %s\n", ok ? "PASS" : "FAIL", name);
  if (ok) passed++; else failed++;
}

/* The last error message contains `needle`. */
static int last_error_contains(const char *needle) {
  char *msg = soa_last_error();
  int found = msg != NULL && strstr(msg, needle) != NULL;
  if (!found) fprintf(stderr, "  last error %s does not contain %s\n", msg ? msg : "(null)", needle);
  soa_string_free(msg);
  return found;
}

static void test_version(void) {
  int ok = 1;
  CHECK(strcmp(soa_version(), SOA_EXPECTED_VERSION) == 0);
  CHECK(strcmp(soa_status_name(SOA_STATUS_INVALID_VERSION), "SOA_STATUS_INVALID_VERSION") == 0);
  CHECK(strcmp(soa_status_name(12345), "SOA_STATUS_UNKNOWN") == 0);
cleanup:
  report("version and status names", ok);
}

static void test_catalog_lookup(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *json = NULL;
  size_t len = 0;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK(cat != NULL);
  CHECK_STATUS(soa_catalog_len(cat, &len), SOA_STATUS_OK);
  CHECK(len > 100);
  CHECK_STATUS(soa_catalog_lookup(cat, "EXTENSIONATTRIBUTE7", &json), SOA_STATUS_OK);
  CHECK(strstr(json, "\"exo_property\":\"CustomAttribute7\"") != NULL);
  CHECK(strncmp(json, "{\"name\":\"CustomAttribute7\",", 27) == 0);
  CHECK(strstr(json, "\"writeback\":true") != NULL);
  soa_string_free(json);
  json = NULL;
  CHECK_STATUS(soa_catalog_lookup(cat, "HiddenFromAddressListsEnabled", &json), SOA_STATUS_OK);
  CHECK(strstr(json, "\"ldap_name\":\"msExchHideFromAddressLists\"") != NULL);
  CHECK(strstr(json, "\"writeback\":false") != NULL);
cleanup:
  soa_string_free(json);
  soa_catalog_free(cat);
  report("catalog lookup by any name", ok);
}

static void test_catalog_unknown_name(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *json = (char *)0x1; /* must stay untouched on failure */
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_lookup(cat, "noSuchAttribute", &json), SOA_STATUS_UNKNOWN_ATTRIBUTE);
  CHECK(json == (char *)0x1);
  CHECK(last_error_contains("noSuchAttribute"));
cleanup:
  soa_catalog_free(cat);
  report("catalog unknown name leaves out-param alone", ok);
}

static void test_catalog_to_json(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *json = NULL;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_to_json(cat, &json), SOA_STATUS_OK);
  CHECK(json[0] == '[');
  CHECK(strstr(json, "\"class\":\"identity\"") != NULL);
  CHECK(strstr(json, "\"class\":\"cloud_only\"") != NULL);
cleanup:
  soa_string_free(json);
  soa_catalog_free(cat);
  report("catalog as JSON", ok);
}

static void test_catalog_override(void) {
  int ok = 1;
  soa_catalog *cat = NULL, *over = NULL, *bad = (soa_catalog *)0x1;
  char *json = NULL;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_with_override_json(
                   cat, "{\"attributes\":[{\"ldap_name\":\"msExchAssistantName\",\"class\":\"identity\"}]}",
                   "site.json", &over),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_lookup(over, "msExchAssistantName", &json), SOA_STATUS_OK);
  CHECK(strstr(json, "\"class\":\"identity\"") != NULL);
  CHECK_STATUS(soa_catalog_with_override_json(
                   cat, "{\"attributes\":[{\"ldap_name\":\"x1\",\"class\":\"cloud\",\"value_kind\":\"string\"}]}",
                   "bad.json", &bad),
               SOA_STATUS_INVALID_CATALOG);
  CHECK(bad == (soa_catalog *)0x1);
  CHECK(last_error_contains("bad.json"));
  CHECK_STATUS(soa_catalog_with_override_json(cat, "{\"attributes\": [", "trunc.json", &bad),
               SOA_STATUS_INVALID_JSON);
  CHECK(last_error_contains("trunc.json"));
  CHECK_STATUS(soa_catalog_with_override_file(cat, "/nonexistent/overrides.json", &bad), SOA_STATUS_IO);
  CHECK(last_error_contains("/nonexistent/overrides.json"));
  CHECK(bad == (soa_catalog *)0x1);
cleanup:
  soa_string_free(json);
  soa_catalog_free(over);
  soa_catalog_free(cat);
  report("catalog overrides and their errors", ok);
}

static const char *SYNCED = "{\"dir_synced\":true,\"cloud_managed\":false,\"recipient_type\":\"UserMailbox\"}";
static const char *MANAGED = "{\"dir_synced\":true,\"cloud_managed\":true,\"recipient_type\":\"UserMailbox\"}";

static void test_master(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *a = NULL, *b = NULL, *c = NULL;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_master(cat, SYNCED, "proxyAddresses", &a), SOA_STATUS_OK);
  CHECK(strcmp(a, "\"on_premises_ad\"") == 0);
  CHECK_STATUS(soa_master(cat, MANAGED, "proxyAddresses", &b), SOA_STATUS_OK);
  CHECK(strcmp(b, "\"exchange_online\"") == 0);
  CHECK_STATUS(soa_master(cat, MANAGED, "displayName", &c), SOA_STATUS_OK);
  CHECK(strcmp(c, "\"on_premises_ad\"") == 0);
cleanup:
  soa_string_free(a);
  soa_string_free(b);
  soa_string_free(c);
  soa_catalog_free(cat);
  report("who masters an attribute", ok);
}

static void test_decide_edit(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *out = NULL;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_decide_edit(cat, MANAGED,
                               "{\"attribute\":\"extensionAttribute3\",\"value\":\"O'Brien\","
                               "\"location\":\"active_directory\",\"identity\":\"bob@contoso.com\"}",
                               &out),
               SOA_STATUS_OK);
  CHECK(strstr(out, "\"allowed\":false") != NULL);
  CHECK(strstr(out, "\"authority\":\"exchange_online\"") != NULL);
  CHECK(strstr(out, "Set-Mailbox -Identity 'bob@contoso.com' -CustomAttribute3 'O''Brien'") != NULL);
  CHECK(strstr(out, "\"ad_visibility\":\"writeback\"") != NULL);
  soa_string_free(out);
  out = NULL;
  CHECK_STATUS(soa_decide_edit(cat, MANAGED,
                               "{\"attribute\":\"proxyAddresses\",\"value\":[\"SMTP:a@x.com\",\"SMTP:b@x.com\"],"
                               "\"location\":\"exchange_online\"}",
                               &out),
               SOA_STATUS_INVALID_PROXY_ADDRESS);
  CHECK(out == NULL);
  CHECK_STATUS(soa_decide_edit(cat, MANAGED, "{\"attribute\":\"x\"", &out), SOA_STATUS_INVALID_JSON);
  CHECK(last_error_contains("edit_json"));
cleanup:
  soa_string_free(out);
  soa_catalog_free(cat);
  report("edit decisions", ok);
}

static void test_rollback_loss(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *out = NULL;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_rollback_loss(cat, MANAGED,
                                 "{\"CustomAttribute1\":\"cloud\",\"HiddenFromAddressListsEnabled\":true,"
                                 "\"Department\":\"Sales\"}",
                                 "{\"extensionAttribute1\":\"ad\",\"msExchHideFromAddressLists\":false,"
                                 "\"department\":\"Sales\"}",
                                 &out),
               SOA_STATUS_OK);
  CHECK(strstr(out, "\"applies\":true") != NULL);
  CHECK(strstr(out, "\"attribute\":\"CustomAttribute1\"") != NULL);
  CHECK(strstr(out, "\"attribute\":\"HiddenFromAddressListsEnabled\"") != NULL);
  CHECK(strstr(out, "Department\",\"ldap") == NULL);
cleanup:
  soa_string_free(out);
  soa_catalog_free(cat);
  report("rollback loss", ok);
}

static void test_model_values(void) {
  int ok = 1;
  char *p = NULL, *set = NULL, *smtp = NULL, *v = NULL, *rt = NULL;
  int32_t cmp = 42;
  CHECK_STATUS(soa_proxy_address_parse("SMTP:Alice@Contoso.com", &p), SOA_STATUS_OK);
  CHECK(strstr(p, "\"primary\":true") != NULL);
  CHECK_STATUS(soa_proxy_addresses_parse("[\"SMTP:a@x.com\",\"smtp:b@x.com\",\"X500:/o=Org/cn=a\"]", &set),
               SOA_STATUS_OK);
  CHECK(strstr(set, "\"primary_smtp\":\"a@x.com\"") != NULL);
  CHECK_STATUS(soa_smtp_address_parse("first.last@sub.contoso.com", &smtp), SOA_STATUS_OK);
  CHECK(strstr(smtp, "\"domain\":\"sub.contoso.com\"") != NULL);
  CHECK_STATUS(soa_sync_version_parse("  2.5.190.0\n", &v), SOA_STATUS_OK);
  CHECK(strcmp(v, "2.5.190.0") == 0);
  CHECK_STATUS(soa_sync_version_compare("2.5.79.0", "2.5.190.0", &cmp), SOA_STATUS_OK);
  CHECK(cmp == -1);
  CHECK_STATUS(soa_recipient_type_parse("sharedmailbox", &rt), SOA_STATUS_OK);
  CHECK(strstr(rt, "\"name\":\"SharedMailbox\"") != NULL);
  CHECK(strstr(rt, "\"eligible\":true") != NULL);
cleanup:
  soa_string_free(p);
  soa_string_free(set);
  soa_string_free(smtp);
  soa_string_free(v);
  soa_string_free(rt);
  report("proxy, SMTP, version and recipient values", ok);
}

static void test_bad_values(void) {
  int ok = 1;
  char *out = NULL;
  int32_t cmp = 42;
  const char *bad_versions[] = {"2.5", "2.5.190.0.1", "v2.5.190.0", "2.5.-1.0", ""};
  const char *bad_proxies[] = {"contoso.com", "smtp:", "SMTP:john doe@contoso.com", "SMTP:j\xc3\xb6hn@contoso.com"};
  for (size_t i = 0; i < sizeof bad_versions / sizeof *bad_versions; i++) {
    CHECK_STATUS(soa_sync_version_parse(bad_versions[i], &out), SOA_STATUS_INVALID_VERSION);
    CHECK(out == NULL);
  }
  CHECK_STATUS(soa_sync_version_compare("2.5.190.0", "2.5", &cmp), SOA_STATUS_INVALID_VERSION);
  CHECK(cmp == 42);
  for (size_t i = 0; i < sizeof bad_proxies / sizeof *bad_proxies; i++) {
    CHECK_STATUS(soa_proxy_address_parse(bad_proxies[i], &out), SOA_STATUS_INVALID_PROXY_ADDRESS);
    CHECK(out == NULL);
  }
  CHECK_STATUS(soa_proxy_addresses_parse("[\"SMTP:a@x.com\",\"SMTP:b@x.com\"]", &out),
               SOA_STATUS_INVALID_PROXY_ADDRESS);
  CHECK(last_error_contains("SMTP:b@x.com"));
  CHECK_STATUS(soa_smtp_address_parse("not-an-address", &out), SOA_STATUS_INVALID_SMTP_ADDRESS);
  CHECK_STATUS(soa_recipient_type_parse("", &out), SOA_STATUS_INVALID_RECIPIENT_TYPE);
  /* Several mailboxes (what ConvertTo-Json writes for a list) are not one mailbox. */
  CHECK_STATUS(soa_preflight_check_mailbox("{}", "[{\"Identity\":\"a\"}]", NULL, NULL, &out),
               SOA_STATUS_INVALID_INPUT);
  CHECK(last_error_contains("array"));
  CHECK(out == NULL);
cleanup:
  soa_string_free(out);
  report("bad values give their status and no output", ok);
}

static void test_preflight(void) {
  int ok = 1;
  char *org = NULL, *mbx = NULL;
  CHECK_STATUS(soa_preflight_check_organization(
                   "{\"sync\":{\"connect_sync_version\":\"2.5.79.0\"},"
                   "\"tenant\":{\"cloud_managed_by_default\":true,\"on_premises_provisioning_in_use\":true},"
                   "\"caller\":{\"name\":\"ops@contoso.com\",\"roles\":[\"Helpdesk Administrator\"]}}",
                   5, &org),
               SOA_STATUS_OK);
  CHECK(strstr(org, "\"code\":\"connect_sync_too_old\"") != NULL);
  CHECK(strstr(org, "ExchangeManagedAttributesUpdateNotAllowed") != NULL);
  CHECK(strstr(org, "\"code\":\"tenant_default_with_on_premises_provisioning\"") != NULL);
  CHECK(strstr(org, "\"code\":\"missing_role\"") != NULL);
  CHECK_STATUS(soa_preflight_check_mailbox(
                   "{}",
                   "{\"UserPrincipalName\":\"r@contoso.com\",\"RecipientTypeDetails\":\"MailUser\","
                   "\"IsDirSynced\":true,\"IsExchangeCloudManaged\":false}",
                   "2026-11-26T12:00:00Z", "2026-11-26T13:00:00Z", &mbx),
               SOA_STATUS_OK);
  CHECK(strstr(mbx, "\"code\":\"ineligible_recipient_type\"") != NULL);
  CHECK(strstr(mbx, "\"code\":\"recent_on_premises_change\"") != NULL);
cleanup:
  soa_string_free(org);
  soa_string_free(mbx);
  report("preflight findings", ok);
}

static void test_null_arguments(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *out = NULL;
  size_t len = 7;
  CHECK_STATUS(soa_catalog_builtin(NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("out"));
  CHECK_STATUS(soa_catalog_len(NULL, &len), SOA_STATUS_NULL_ARGUMENT);
  CHECK(len == 7);
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_lookup(cat, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("name"));
  CHECK_STATUS(soa_catalog_lookup(cat, "mail", NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_decide_edit(cat, NULL, "{}", &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_sync_version_compare(NULL, "1.0.0.0", NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_preflight_check_mailbox("{}", NULL, NULL, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK(out == NULL);
  /* Releasing NULL is a no-op. */
  soa_catalog_free(NULL);
  soa_string_free(NULL);
cleanup:
  soa_catalog_free(cat);
  report("NULL arguments", ok);
}

static void test_invalid_utf8(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char *out = NULL;
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_lookup(cat, "mail\xff\xfe", &out), SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("offset 4"));
  CHECK_STATUS(soa_sync_version_parse("2.5.\xc3", &out), SOA_STATUS_INVALID_UTF8);
  CHECK(out == NULL);
cleanup:
  soa_catalog_free(cat);
  report("invalid UTF-8", ok);
}

static void test_panic_boundary(void) {
  int ok = 1;
  char *msg = NULL;
  CHECK_STATUS(soa_debug_panic(), SOA_STATUS_PANIC);
  msg = soa_last_error();
  CHECK(msg != NULL && strstr(msg, "panic") != NULL);
  /* The library still works after a caught panic, and a success clears the last error. */
  {
    int32_t cmp = 0;
    CHECK_STATUS(soa_sync_version_compare("1.1.1107.0", "1.1.1107.0", &cmp), SOA_STATUS_OK);
    CHECK(cmp == 0);
    char *none = soa_last_error();
    CHECK(none == NULL);
  }
cleanup:
  soa_string_free(msg);
  report("a panic becomes SOA_STATUS_PANIC", ok);
}


/* ----- the simulated organization ----- */

static const char *ALICE =
    "{\"user_principal_name\":\"alice@contoso.com\",\"remote_mailbox\":\"RemoteUserMailbox\","
    "\"attributes\":{\"displayName\":\"Alice\",\"extensionAttribute1\":\"CC-100\"}}";

static void test_sim_flip_and_edit(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  char *guid = NULL, *rep = NULL, *mbx = NULL, *report2 = NULL, *audit = NULL;
  CHECK_STATUS(soa_sim_new("contoso.com", &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_add_ad_user(sim, ALICE, &guid), SOA_STATUS_OK);
  CHECK(strlen(guid) == 36);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &rep), SOA_STATUS_OK);
  CHECK(strstr(rep, "\"created\":[\"alice@contoso.com\"]") != NULL);
  CHECK_STATUS(soa_sim_assign_license(sim, "alice@contoso.com"), SOA_STATUS_OK);
  /* Before the flip the cloud refuses the edit with the write-scope error. */
  CHECK_STATUS(soa_sim_set_mailbox(sim, "alice", "{\"set\":{\"CustomAttribute1\":\"x\"}}"),
               SOA_STATUS_OUT_OF_WRITE_SCOPE);
  CHECK(last_error_contains("write scope"));
  CHECK_STATUS(soa_sim_set_cloud_managed(sim, "alice", 1), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_set_mailbox(sim, "alice", "{\"set\":{\"CustomAttribute1\":\"CC-200\"}}"),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &report2), SOA_STATUS_OK);
  CHECK(strstr(report2, "\"overwritten\":[]") != NULL);
  CHECK_STATUS(soa_sim_get_mailbox(sim, "alice@contoso.com", &mbx), SOA_STATUS_OK);
  CHECK(strstr(mbx, "\"CustomAttribute1\":\"CC-200\"") != NULL);
  CHECK(strstr(mbx, "\"IsExchangeCloudManaged\":true") != NULL);
  CHECK_STATUS(soa_sim_search_admin_audit_log(sim, "{\"parameter\":\"IsExchangeCloudManaged\"}", &audit),
               SOA_STATUS_OK);
  CHECK(strstr(audit, "\"caller\":\"admin@contoso.com\"") != NULL);
  CHECK_STATUS(soa_sim_set_cloud_managed(sim, "alice", 2), SOA_STATUS_INVALID_INPUT);
cleanup:
  soa_string_free(guid);
  soa_string_free(rep);
  soa_string_free(report2);
  soa_string_free(mbx);
  soa_string_free(audit);
  soa_sim_free(sim);
  report("simulated organization: flip, cloud edit, audit", ok);
}

static void test_sim_rbac_and_pager(void) {
  int ok = 1;
  soa_sim *sim = NULL, *viewer = NULL, *stranger = NULL;
  soa_mailbox_pager *pager = NULL, *denied = (soa_mailbox_pager *)0x1;
  char *page1 = NULL, *page2 = NULL, *page3 = NULL, *summary = NULL;
  CHECK_STATUS(soa_sim_generate(40, 7, &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_summary(sim, &summary), SOA_STATUS_OK);
  CHECK(strstr(summary, "\"mailboxes\":") != NULL);
  CHECK_STATUS(soa_sim_add_principal(sim, "viewer@contoso.com", "[\"View-Only Organization Management\"]"),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_as_principal(sim, "viewer@contoso.com", &viewer), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_list_mailboxes(viewer, "{\"dir_synced\":true}", &pager), SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 25, &page1), SOA_STATUS_OK);
  CHECK(page1[0] == '[' && strstr(page1, "\"IsDirSynced\":true") != NULL);
  CHECK(strstr(page1, "\"IsDirSynced\":false") == NULL);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 1000, &page2), SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 1000, &page3), SOA_STATUS_OK);
  CHECK(strcmp(page3, "[]") == 0);
  CHECK_STATUS(soa_sim_set_cloud_managed(viewer, "anyone", 1), SOA_STATUS_ACCESS_DENIED);
  CHECK_STATUS(soa_sim_as_principal(sim, "stranger@fabrikam.com", &stranger), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_list_mailboxes(stranger, "{}", &denied), SOA_STATUS_ACCESS_DENIED);
  CHECK(denied == (soa_mailbox_pager *)0x1);
  CHECK_STATUS(soa_sim_list_mailboxes(sim, "[]", &denied), SOA_STATUS_INVALID_INPUT);
cleanup:
  soa_string_free(page1);
  soa_string_free(page2);
  soa_string_free(page3);
  soa_string_free(summary);
  soa_mailbox_pager_free(pager);
  soa_sim_free(stranger);
  soa_sim_free(viewer);
  soa_sim_free(sim);
  report("simulated organization: RBAC and lazy paging", ok);
}

static void test_sim_old_engine_and_snapshot(void) {
  int ok = 1;
  soa_sim *sim = NULL, *loaded = NULL, *bad = (soa_sim *)0x1;
  char *guid = NULL, *rep = NULL, *errors = NULL, *now = NULL, *cycles = NULL, *mbx = NULL;
  const char *path = "target/c-tests/sim-snapshot.json";
  CHECK_STATUS(soa_sim_new("contoso.com", &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_add_ad_user(sim, ALICE, &guid), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_advance(sim, 30, &cycles), SOA_STATUS_OK);
  CHECK(strstr(cycles, "\"cycle\":\"sync\"") != NULL);
  CHECK_STATUS(soa_sim_assign_license(sim, "alice"), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_set_connect_sync_version(sim, "2.5.79.0"), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_set_connect_sync_version(sim, "v2.5"), SOA_STATUS_INVALID_VERSION);
  CHECK_STATUS(soa_sim_set_cloud_managed(sim, "alice", 1), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &rep), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_errors(sim, &errors), SOA_STATUS_OK);
  CHECK(strstr(errors, "ExchangeManagedAttributesUpdateNotAllowed") != NULL);
  CHECK_STATUS(soa_sim_now(sim, &now), SOA_STATUS_OK);
  CHECK(strncmp(now, "2026-11-27T00:30:00", 19) == 0);
  CHECK_STATUS(soa_sim_advance(sim, -1, &cycles), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_sim_save(sim, path), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_load(path, &loaded), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_get_mailbox(loaded, "alice", &mbx), SOA_STATUS_OK);
  CHECK(strstr(mbx, "\"IsExchangeCloudManaged\":true") != NULL);
  CHECK_STATUS(soa_sim_load("/nonexistent/snapshot.json", &bad), SOA_STATUS_IO);
  CHECK(bad == (soa_sim *)0x1);
  CHECK_STATUS(soa_sim_get_mailbox(sim, "nobody@contoso.com", &mbx), SOA_STATUS_NOT_FOUND);
  CHECK_STATUS(soa_sim_get_mailbox(NULL, "x", &mbx), SOA_STATUS_NULL_ARGUMENT);
cleanup:
  soa_string_free(guid);
  soa_string_free(rep);
  soa_string_free(errors);
  soa_string_free(now);
  soa_string_free(cycles);
  soa_string_free(mbx);
  soa_sim_free(loaded);
  soa_sim_free(sim);
  report("simulated organization: old Connect Sync, clock, snapshots", ok);
}

int main(void) {
  test_version();
  test_catalog_lookup();
  test_catalog_unknown_name();
  test_catalog_to_json();
  test_catalog_override();
  test_master();
  test_decide_edit();
  test_rollback_loss();
  test_model_values();
  test_bad_values();
  test_preflight();
  test_null_arguments();
  test_invalid_utf8();
  test_panic_boundary();
  test_sim_flip_and_edit();
  test_sim_rbac_and_pager();
  test_sim_old_engine_and_snapshot();
  printf("c: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
