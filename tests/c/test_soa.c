/*
 * C tests of the exchange-soa C ABI, linked against the built library and run under valgrind
 * by tests/lib/c.sh. Each test uses goto-cleanup so that every path releases what it made;
 * valgrind proves it (no leaks, no invalid reads).
 *
 * The REST client is tested against the HTTP emulator started from C: both run in this process
 * and talk over real loopback sockets.
 */
/* mkdtemp and opendir are POSIX, outside strict C11. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <pthread.h>
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

static const char *BOB =
    "{\"user_principal_name\":\"bob@contoso.com\",\"remote_mailbox\":\"RemoteUserMailbox\","
    "\"attributes\":{\"displayName\":\"Bob\"}}";

static void test_sim_flip_and_edit(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_backend *exo = NULL;
  char *guid = NULL, *rep = NULL, *mbx = NULL, *report2 = NULL, *audit = NULL;
  CHECK_STATUS(soa_sim_new("contoso.com", &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &exo), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_add_ad_user(sim, ALICE, &guid), SOA_STATUS_OK);
  CHECK(strlen(guid) == 36);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &rep), SOA_STATUS_OK);
  CHECK(strstr(rep, "\"created\":[\"alice@contoso.com\"]") != NULL);
  CHECK_STATUS(soa_sim_assign_license(sim, "alice@contoso.com"), SOA_STATUS_OK);
  /* Before the flip the cloud refuses the edit with the write-scope error. */
  CHECK_STATUS(soa_backend_set_mailbox(exo, "alice", "{\"set\":{\"CustomAttribute1\":\"x\"}}"),
               SOA_STATUS_OUT_OF_WRITE_SCOPE);
  CHECK(last_error_contains("write scope"));
  CHECK_STATUS(soa_backend_set_cloud_managed(exo, "alice", 1), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_set_mailbox(exo, "alice", "{\"set\":{\"CustomAttribute1\":\"CC-200\"}}"),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &report2), SOA_STATUS_OK);
  CHECK(strstr(report2, "\"overwritten\":[]") != NULL);
  CHECK_STATUS(soa_backend_get_mailbox(exo, "alice@contoso.com", &mbx), SOA_STATUS_OK);
  CHECK(strstr(mbx, "\"CustomAttribute1\":\"CC-200\"") != NULL);
  CHECK(strstr(mbx, "\"IsExchangeCloudManaged\":true") != NULL);
  CHECK_STATUS(soa_backend_search_admin_audit_log(exo, "{\"parameter\":\"IsExchangeCloudManaged\"}", &audit),
               SOA_STATUS_OK);
  CHECK(strstr(audit, "\"caller\":\"admin@contoso.com\"") != NULL);
  CHECK_STATUS(soa_backend_set_cloud_managed(exo, "alice", 2), SOA_STATUS_INVALID_INPUT);
cleanup:
  soa_string_free(guid);
  soa_string_free(rep);
  soa_string_free(report2);
  soa_string_free(mbx);
  soa_string_free(audit);
  soa_backend_free(exo);
  soa_sim_free(sim);
  report("simulated organization: flip, cloud edit, audit", ok);
}

static void test_sim_rbac_and_pager(void) {
  int ok = 1;
  soa_sim *sim = NULL, *viewer = NULL, *stranger = NULL;
  soa_backend *exo = NULL, *as_viewer = NULL, *as_stranger = NULL;
  soa_mailbox_pager *pager = NULL, *denied = NULL, *none = (soa_mailbox_pager *)0x1;
  char *page1 = NULL, *page2 = NULL, *page3 = NULL, *summary = NULL, *refused = NULL;
  CHECK_STATUS(soa_sim_generate(40, 7, &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_summary(sim, &summary), SOA_STATUS_OK);
  CHECK(strstr(summary, "\"mailboxes\":") != NULL);
  CHECK_STATUS(soa_sim_add_principal(sim, "viewer@contoso.com", "[\"View-Only Organization Management\"]"),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_as_principal(sim, "viewer@contoso.com", &viewer), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(viewer, &as_viewer), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_list_mailboxes(as_viewer, "{\"dir_synced\":true}", &pager), SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 25, &page1), SOA_STATUS_OK);
  CHECK(page1[0] == '[' && strstr(page1, "\"IsDirSynced\":true") != NULL);
  CHECK(strstr(page1, "\"IsDirSynced\":false") == NULL);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 1000, &page2), SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 1000, &page3), SOA_STATUS_OK);
  CHECK(strcmp(page3, "[]") == 0);
  CHECK_STATUS(soa_backend_set_cloud_managed(as_viewer, "anyone", 1), SOA_STATUS_ACCESS_DENIED);
  /* A stranger's listing is refused at the first page; the listing is then over. */
  CHECK_STATUS(soa_sim_as_principal(sim, "stranger@fabrikam.com", &stranger), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(stranger, &as_stranger), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_list_mailboxes(as_stranger, "{}", &denied), SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(denied, 10, &refused), SOA_STATUS_ACCESS_DENIED);
  CHECK(refused == NULL);
  CHECK_STATUS(soa_mailbox_pager_next(denied, 10, &refused), SOA_STATUS_OK);
  CHECK(strcmp(refused, "[]") == 0);
  CHECK_STATUS(soa_backend_from_sim(sim, &exo), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_list_mailboxes(exo, "[]", &none), SOA_STATUS_INVALID_INPUT);
  CHECK(none == (soa_mailbox_pager *)0x1);
cleanup:
  soa_string_free(page1);
  soa_string_free(page2);
  soa_string_free(page3);
  soa_string_free(summary);
  soa_string_free(refused);
  soa_mailbox_pager_free(pager);
  soa_mailbox_pager_free(denied);
  soa_backend_free(exo);
  soa_backend_free(as_viewer);
  soa_backend_free(as_stranger);
  soa_sim_free(stranger);
  soa_sim_free(viewer);
  soa_sim_free(sim);
  report("simulated organization: RBAC and lazy paging", ok);
}

static void test_sim_old_engine_and_snapshot(void) {
  int ok = 1;
  soa_sim *sim = NULL, *loaded = NULL, *bad = (soa_sim *)0x1;
  soa_backend *exo = NULL, *exo_loaded = NULL;
  char *guid = NULL, *rep = NULL, *errors = NULL, *now = NULL, *cycles = NULL, *mbx = NULL;
  const char *path = "target/c-tests/sim-snapshot.json";
  CHECK_STATUS(soa_sim_new("contoso.com", &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &exo), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_add_ad_user(sim, ALICE, &guid), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_advance(sim, 30, &cycles), SOA_STATUS_OK);
  CHECK(strstr(cycles, "\"cycle\":\"sync\"") != NULL);
  CHECK_STATUS(soa_sim_assign_license(sim, "alice"), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_set_connect_sync_version(sim, "2.5.79.0"), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_set_connect_sync_version(sim, "v2.5"), SOA_STATUS_INVALID_VERSION);
  CHECK_STATUS(soa_backend_set_cloud_managed(exo, "alice", 1), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &rep), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_errors(sim, &errors), SOA_STATUS_OK);
  CHECK(strstr(errors, "ExchangeManagedAttributesUpdateNotAllowed") != NULL);
  CHECK_STATUS(soa_sim_now(sim, &now), SOA_STATUS_OK);
  CHECK(strncmp(now, "2026-11-27T00:30:00", 19) == 0);
  CHECK_STATUS(soa_sim_advance(sim, -1, &cycles), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_sim_save(sim, path), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_load(path, &loaded), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(loaded, &exo_loaded), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_get_mailbox(exo_loaded, "alice", &mbx), SOA_STATUS_OK);
  CHECK(strstr(mbx, "\"IsExchangeCloudManaged\":true") != NULL);
  CHECK_STATUS(soa_sim_load("/nonexistent/snapshot.json", &bad), SOA_STATUS_IO);
  CHECK(bad == (soa_sim *)0x1);
  CHECK_STATUS(soa_backend_get_mailbox(exo, "nobody@contoso.com", &mbx), SOA_STATUS_NOT_FOUND);
  CHECK_STATUS(soa_backend_get_mailbox(NULL, "x", &mbx), SOA_STATUS_NULL_ARGUMENT);
cleanup:
  soa_string_free(guid);
  soa_string_free(rep);
  soa_string_free(errors);
  soa_string_free(now);
  soa_string_free(cycles);
  soa_string_free(mbx);
  soa_backend_free(exo_loaded);
  soa_backend_free(exo);
  soa_sim_free(loaded);
  soa_sim_free(sim);
  report("simulated organization: old Connect Sync, clock, snapshots", ok);
}

/* ----- the REST client against the emulator, over real sockets ----- */

/* A simulated organization with alice provisioned on-premises, synced and licensed. */
static soa_status alice_org(soa_sim **out) {
  soa_sim *sim = NULL;
  char *guid = NULL, *rep = NULL;
  soa_status st = soa_sim_new("contoso.com", &sim);
  if (st == SOA_STATUS_OK) st = soa_sim_add_ad_user(sim, ALICE, &guid);
  if (st == SOA_STATUS_OK) st = soa_sim_sync_cycle(sim, &rep);
  if (st == SOA_STATUS_OK) st = soa_sim_assign_license(sim, "alice@contoso.com");
  soa_string_free(guid);
  soa_string_free(rep);
  if (st == SOA_STATUS_OK) {
    *out = sim;
  } else {
    soa_sim_free(sim);
  }
  return st;
}

/* `{"exchange":"<base>","login":"<base>"}` for the emulator, in `buf`. */
static int emulator_cloud(const soa_emulator *emu, char *buf, size_t len) {
  char *base = NULL;
  if (soa_emulator_base_url(emu, &base) != SOA_STATUS_OK) return 0;
  int n = snprintf(buf, len, "{\"exchange\":\"%s\",\"login\":\"%s\"}", base, base);
  soa_string_free(base);
  return n > 0 && (size_t)n < len;
}

/* Connects to the emulator with a token it issued for `principal`. */
static soa_status connect_as(const soa_emulator *emu, const char *principal, const char *options,
                             soa_client **out) {
  char cloud[256], cred[512];
  char *token = NULL, *tenant = NULL;
  soa_status st = soa_emulator_issue_token(emu, principal, &token);
  if (st == SOA_STATUS_OK) st = soa_emulator_tenant(emu, &tenant);
  if (st == SOA_STATUS_OK && !emulator_cloud(emu, cloud, sizeof cloud)) st = SOA_STATUS_UNKNOWN;
  if (st == SOA_STATUS_OK) {
    snprintf(cred, sizeof cred, "{\"kind\":\"token\",\"token\":\"%s\"}", token);
    st = soa_client_connect(tenant, cloud, cred, options, out);
  }
  soa_string_free(token);
  soa_string_free(tenant);
  return st;
}

static int count_of(const char *haystack, const char *needle) {
  int n = 0;
  for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle)) n++;
  return n;
}

/* The number after `"key":` in a JSON text, or -1. */
static long json_number(const char *json, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(json, pattern);
  return at == NULL ? -1 : strtol(at + strlen(pattern), NULL, 10);
}

static void test_client_get_set(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_emulator *emu = NULL;
  soa_client *client = NULL;
  soa_backend *exo = NULL, *local = NULL;
  char *url = NULL, *tenant_id = NULL, *endpoint = NULL, *mbx = NULL, *user = NULL, *config = NULL,
       *roles = NULL, *audit = NULL, *seen = NULL, *stats = NULL;
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_start(sim, NULL, &emu), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_base_url(emu, &url), SOA_STATUS_OK);
  CHECK(strncmp(url, "http://127.0.0.1:", 17) == 0);
  CHECK_STATUS(soa_emulator_tenant_id(emu, &tenant_id), SOA_STATUS_OK);
  CHECK(strlen(tenant_id) == 36);
  /* Short retries: the last call below meets a stopped emulator. */
  CHECK_STATUS(connect_as(emu, "admin@contoso.com", "{\"retry\":{\"max_retries\":1,\"initial_delay_secs\":0.01}}",
                          &client),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_client_endpoint(client, &endpoint), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(client, &exo), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &local), SOA_STATUS_OK);
  CHECK(strstr(endpoint, "/adminapi/beta/contoso.com/InvokeCommand") != NULL);
  CHECK_STATUS(soa_backend_get_mailbox(exo, "alice@contoso.com", &mbx), SOA_STATUS_OK);
  CHECK(strstr(mbx, "\"IsDirSynced\":true") != NULL);
  CHECK(strstr(mbx, "\"IsExchangeCloudManaged\":false") != NULL);
  CHECK_STATUS(soa_backend_get_user(exo, "alice", &user), SOA_STATUS_OK);
  CHECK(strstr(user, "\"DisplayName\":\"Alice\"") != NULL);
  /* Mastered on-premises: the gateway refuses the edit with the write-scope error. */
  CHECK_STATUS(soa_backend_set_mailbox(exo, "alice", "{\"set\":{\"CustomAttribute1\":\"x\"}}"),
               SOA_STATUS_OUT_OF_WRITE_SCOPE);
  CHECK_STATUS(soa_backend_set_cloud_managed(exo, "alice", 1), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_set_mailbox(exo, "alice", "{\"set\":{\"CustomAttribute1\":\"CC-300\"}}"),
               SOA_STATUS_OK);
  /* The emulator serves the same organization: the change is seen through the sim handle. */
  CHECK_STATUS(soa_backend_get_mailbox(local, "alice", &seen), SOA_STATUS_OK);
  CHECK(strstr(seen, "\"CustomAttribute1\":\"CC-300\"") != NULL);
  CHECK(strstr(seen, "\"IsExchangeCloudManaged\":true") != NULL);
  CHECK_STATUS(soa_backend_get_organization_config(exo, &config), SOA_STATUS_OK);
  CHECK(strstr(config, "\"BlockExchangeProvisioningFromOnPremEnabled\":false") != NULL);
  CHECK_STATUS(soa_backend_set_cloud_managed_by_default(exo, 2), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_backend_role_assignments(exo, "Set-Mailbox", "IsExchangeCloudManaged", &roles),
               SOA_STATUS_OK);
  CHECK(strstr(roles, "admin@contoso.com") != NULL);
  CHECK_STATUS(soa_backend_search_admin_audit_log(exo, "{\"parameter\":\"IsExchangeCloudManaged\"}", &audit),
               SOA_STATUS_OK);
  CHECK(strstr(audit, "alice@contoso.com") != NULL);
  soa_string_free(mbx);
  mbx = NULL;
  CHECK_STATUS(soa_backend_get_mailbox(exo, "nobody@contoso.com", &mbx), SOA_STATUS_NOT_FOUND);
  CHECK(mbx == NULL);
  CHECK_STATUS(soa_emulator_stats(emu, &stats), SOA_STATUS_OK);
  CHECK(json_number(stats, "Set-Mailbox") >= 3);
  CHECK_STATUS(soa_emulator_stop(emu), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_stop(emu), SOA_STATUS_OK);
  /* Stopped: the client can no longer reach it. */
  CHECK_STATUS(soa_backend_get_organization_config(exo, &config), SOA_STATUS_TRANSPORT);
cleanup:
  soa_string_free(url);
  soa_string_free(tenant_id);
  soa_string_free(endpoint);
  soa_string_free(mbx);
  soa_string_free(user);
  soa_string_free(config);
  soa_string_free(roles);
  soa_string_free(audit);
  soa_string_free(seen);
  soa_string_free(stats);
  soa_backend_free(exo);
  soa_backend_free(local);
  soa_client_free(client);
  soa_emulator_free(emu);
  soa_sim_free(sim);
  report("client over the emulator: get, set, write scope, config, roles, audit", ok);
}

static void test_client_pager(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_emulator *emu = NULL;
  soa_client *client = NULL;
  soa_backend *exo = NULL;
  soa_mailbox_pager *pager = NULL;
  char *summary = NULL, *page = NULL, *stats = NULL;
  int total = 0, pages = 0;
  CHECK_STATUS(soa_sim_generate(40, 7, &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_summary(sim, &summary), SOA_STATUS_OK);
  /* The emulator serves at most 10 mailboxes a page: the client follows @odata.nextLink. */
  CHECK_STATUS(soa_emulator_start(sim, "{\"max_page_size\":10,\"seed\":3}", &emu), SOA_STATUS_OK);
  CHECK_STATUS(connect_as(emu, "admin@contoso.com", "{\"page_size\":1000}", &client), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(client, &exo), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_list_mailboxes(exo, "{}", &pager), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_stats(emu, &stats), SOA_STATUS_OK);
  CHECK(json_number(stats, "invoke_requests") == 0); /* lazy: nothing sent yet */
  for (;;) {
    CHECK_STATUS(soa_mailbox_pager_next(pager, 7, &page), SOA_STATUS_OK);
    int n = count_of(page, "\"IsDirSynced\":");
    soa_string_free(page);
    page = NULL;
    if (n == 0) break;
    CHECK(n <= 7);
    total += n;
    pages++;
  }
  CHECK(total == json_number(summary, "mailboxes"));
  CHECK(pages >= 5);
  /* After the end, [] again. */
  CHECK_STATUS(soa_mailbox_pager_next(pager, 7, &page), SOA_STATUS_OK);
  CHECK(strcmp(page, "[]") == 0);
  soa_string_free(stats);
  stats = NULL;
  CHECK_STATUS(soa_emulator_stats(emu, &stats), SOA_STATUS_OK);
  CHECK(json_number(stats, "Get-Mailbox") >= 4); /* at least ceil(N/10) gateway pages */
cleanup:
  soa_string_free(summary);
  soa_string_free(page);
  soa_string_free(stats);
  soa_mailbox_pager_free(pager);
  soa_backend_free(exo);
  soa_client_free(client);
  soa_emulator_free(emu);
  soa_sim_free(sim);
  report("client over the emulator: a listing across gateway pages", ok);
}

static void test_client_denied_and_auth(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_emulator *emu = NULL;
  soa_client *stranger = NULL, *app = NULL, *bad = (soa_client *)0x1;
  soa_mailbox_pager *pager = NULL;
  soa_backend *as_stranger = NULL, *as_app = NULL;
  char *mbx = NULL, *page = NULL, *msg = NULL;
  char cloud[256];
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_start(
                   sim, "{\"apps\":[{\"client_id\":\"pilot-app\",\"secret\":\"s3cret-Value-42\",\"principal\":\"admin@contoso.com\"}]}",
                   &emu),
               SOA_STATUS_OK);
  /* A principal the organization does not know holds no role. */
  CHECK_STATUS(connect_as(emu, "stranger@fabrikam.com", NULL, &stranger), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(stranger, &as_stranger), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_get_mailbox(as_stranger, "alice", &mbx), SOA_STATUS_ACCESS_DENIED);
  CHECK(last_error_contains("stranger@fabrikam.com"));
  CHECK_STATUS(soa_backend_list_mailboxes(as_stranger, "{}", &pager), SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 10, &page), SOA_STATUS_ACCESS_DENIED);
  CHECK(page == NULL);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 10, &page), SOA_STATUS_OK);
  CHECK(strcmp(page, "[]") == 0);
  /* A client secret: the first token is fetched at connect time. */
  CHECK(emulator_cloud(emu, cloud, sizeof cloud));
  CHECK_STATUS(soa_client_connect("contoso.com", cloud,
                                  "{\"kind\":\"secret\",\"client_id\":\"pilot-app\",\"secret\":\"s3cret-Value-42\"}",
                                  NULL, &app),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(app, &as_app), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_get_mailbox(as_app, "alice", &mbx), SOA_STATUS_OK);
  /* A wrong secret fails at connect, and no message quotes it. */
  CHECK_STATUS(soa_client_connect("contoso.com", cloud,
                                  "{\"kind\":\"secret\",\"client_id\":\"pilot-app\",\"secret\":\"Wrong-Secret-99\"}",
                                  NULL, &bad),
               SOA_STATUS_AUTH);
  msg = soa_last_error();
  CHECK(msg != NULL && strstr(msg, "Wrong-Secret-99") == NULL);
  soa_string_free(msg);
  msg = NULL;
  CHECK_STATUS(soa_client_connect("contoso.com", cloud,
                                  "{\"kind\":\"secret\",\"client_id\":\"pilot-app\",\"secret\":[\"Leaky-Secret-7\"]}",
                                  NULL, &bad),
               SOA_STATUS_INVALID_JSON);
  msg = soa_last_error();
  CHECK(msg != NULL && strstr(msg, "Leaky-Secret-7") == NULL && strstr(msg, "credential_json") != NULL);
  CHECK_STATUS(soa_client_connect("contoso.com", cloud, "{\"kind\":\"password\",\"secret\":\"x\"}", NULL, &bad),
               SOA_STATUS_INVALID_JSON);
  CHECK(last_error_contains("unknown variant"));
  /* Only https, except on loopback; unknown cloud names. */
  CHECK_STATUS(soa_client_connect("contoso.com", "{\"exchange\":\"http://example.com\",\"login\":\"http://example.com\"}",
                                  "{\"kind\":\"token\",\"token\":\"t\"}", NULL, &bad),
               SOA_STATUS_INVALID_INPUT);
  CHECK(last_error_contains("https"));
  CHECK_STATUS(soa_client_connect("contoso.com", "mars", "{\"kind\":\"token\",\"token\":\"t\"}", NULL, &bad),
               SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_client_connect("contoso.com", "gcchigh", "{\"kind\":\"token\",\"token\":\"t\"}",
                                  "{\"page_size\":5000}", &bad),
               SOA_STATUS_INVALID_INPUT);
  CHECK(bad == (soa_client *)0x1);
cleanup:
  soa_string_free(mbx);
  soa_string_free(page);
  soa_string_free(msg);
  soa_mailbox_pager_free(pager);
  soa_backend_free(as_stranger);
  soa_backend_free(as_app);
  soa_client_free(stranger);
  soa_client_free(app);
  soa_emulator_free(emu);
  soa_sim_free(sim);
  report("client over the emulator: access denied, secrets, bad clouds", ok);
}

static void test_client_throttled(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_emulator *emu = NULL;
  soa_client *client = NULL;
  soa_backend *exo = NULL;
  char *mbx = NULL, *stats = NULL;
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_start(sim, NULL, &emu), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_set_faults(emu, "{\"throttle\":{\"rate\":20.0,\"burst\":2}}"), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_set_faults(emu, "{\"unavailable_rate\":2.0}"), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(connect_as(emu, "admin@contoso.com",
                          "{\"retry\":{\"max_retries\":8,\"initial_delay_secs\":0.01,\"max_delay_secs\":0.2}}",
                          &client),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(client, &exo), SOA_STATUS_OK);
  /* Twelve calls at once through a bucket of two: 429s, waits, and every call completes. */
  for (int i = 0; i < 12; i++) {
    CHECK_STATUS(soa_backend_get_mailbox(exo, "alice@contoso.com", &mbx), SOA_STATUS_OK);
    CHECK(strstr(mbx, "alice@contoso.com") != NULL);
    soa_string_free(mbx);
    mbx = NULL;
  }
  CHECK_STATUS(soa_emulator_stats(emu, &stats), SOA_STATUS_OK);
  CHECK(json_number(stats, "throttled") > 0);
  CHECK(json_number(stats, "Get-Mailbox") > 12);
cleanup:
  soa_string_free(mbx);
  soa_string_free(stats);
  soa_backend_free(exo);
  soa_client_free(client);
  soa_emulator_free(emu);
  soa_sim_free(sim);
  report("client over a throttled emulator: retries until every call completes", ok);
}

/* ----- the transfer workflow ----- */

typedef struct {
  int events;
  int verified;
  int backed_up;
  long last_done;
} progress_count;

static void count_progress(const char *event_json, void *user_data) {
  progress_count *c = (progress_count *)user_data;
  c->events++;
  c->last_done = json_number(event_json, "done");
  if (strstr(event_json, "\"step\":\"verified\"") != NULL) c->verified++;
  if (strstr(event_json, "\"step\":\"backed_up\"") != NULL) c->backed_up++;
}

/* A fresh run folder under target/c-tests/runs, in `buf`. */
static int new_run_dir(char *buf, size_t len) {
  int n = snprintf(buf, len, "target/c-tests/runs/runXXXXXX");
  return n > 0 && (size_t)n < len && mkdtemp(buf) != NULL;
}

/* The path of the one backup in `<run>/backups`, in `buf`. */
static int backup_file(const char *run, char *buf, size_t len) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/backups", run);
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  int found = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
      snprintf(buf, len, "%s/%s", dir, e->d_name);
      found++;
    }
  }
  closedir(d);
  return found == 1;
}

static const char *ALICE_ONLY = "{\"identities\":[\"alice@contoso.com\"]}";

/* A callback that calls back into the library: the nested call is refused (the runtime is busy
 * with the run), and the run goes on. */
typedef struct {
  const soa_backend *backend;
  int calls;
  soa_status nested;
} reentrant;

static void call_back_in(const char *event_json, void *user_data) {
  reentrant *r = (reentrant *)user_data;
  char *mbx = NULL;
  (void)event_json;
  r->calls++;
  r->nested = soa_backend_get_mailbox(r->backend, "alice", &mbx);
  soa_string_free(mbx);
}

/* A session on `backend` with the AD of `sim` as its directory, acting as `actor` (NULL: the
 * backend's principal). */
static soa_status session_on(const soa_backend *backend, const soa_sim *sim, const char *actor,
                             soa_session **out) {
  soa_directory *directory = NULL;
  soa_status st = soa_directory_from_sim(sim, &directory);
  if (st == SOA_STATUS_OK) st = soa_session_new(backend, directory, NULL, actor, out);
  /* The session holds the directory: its handle can go at once. */
  soa_directory_free(directory);
  return st;
}

/* Plan, dry run, run with progress, resume, cloud edit, rollback (refused, then acknowledged),
 * over `backend`, whose organization (or the one behind its emulator) is `sim`, in a session
 * with the organization's AD as its directory. */
static int transfer_flow(const soa_backend *backend, soa_sim *sim) {
  int ok = 1;
  soa_session *session = NULL, *unnamed = NULL;
  char caller[320];
  char *principal = NULL;
  soa_backend *local = NULL;
  char run[64], run_dry[64], backup[640], audit_path[128];
  char *plan = NULL, *summary = NULL, *report = NULL, *cycles = NULL, *outcome = NULL, *dry = NULL,
       *resumed = NULL, *script = NULL, *restore = NULL, *preflight = NULL, *counts = NULL,
       *expected_backup = NULL, *audit = NULL;
  char *untouched = (char *)0x1;
  progress_count progress = {0, 0, 0, -1};
  CHECK_STATUS(session_on(backend, sim, "c-test", &session), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &local), SOA_STATUS_OK);
  CHECK(new_run_dir(run, sizeof run));
  CHECK(new_run_dir(run_dry, sizeof run_dry));
  CHECK_STATUS(soa_preflight_gather(session, NULL, &preflight), SOA_STATUS_OK);
  /* The caller whose roles count is the backend's principal (the actor of a session that names
   * none), whoever the audit records name. */
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, NULL, &unnamed), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_actor(unnamed, &principal), SOA_STATUS_OK);
  snprintf(caller, sizeof caller, "\"caller\":{\"name\":\"%s\"", principal);
  CHECK(strcmp(principal, "c-test") != 0 && strstr(preflight, caller) != NULL);
  /* The safe defaults require a ticket. */
  CHECK_STATUS(soa_transfer_plan(session, ALICE_ONLY, "{}", preflight, &untouched), SOA_STATUS_REFUSED);
  CHECK(untouched == (char *)0x1);
  CHECK(last_error_contains("ticket"));
  /* Alice changed on-premises moments ago: the settle rule skips her... */
  CHECK_STATUS(soa_transfer_plan(session, ALICE_ONLY, "{\"ticket\":\"CHG-7\"}", "{}", &plan), SOA_STATUS_OK);
  CHECK(strstr(plan, "\"decision\":\"skip\"") != NULL);
  CHECK(strstr(plan, "recent_on_premises_change") != NULL);
  CHECK(strstr(plan, "\"directory_checked\":true") != NULL);
  soa_string_free(plan);
  plan = NULL;
  /* ...until a sync cycle plus 24 hours have passed (on the organization's clock). */
  CHECK_STATUS(soa_sim_advance(sim, 25 * 60, &cycles), SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_plan(session, ALICE_ONLY, "{\"ticket\":\"CHG-7\"}", "{}", &plan), SOA_STATUS_OK);
  CHECK(strstr(plan, "\"decision\":\"go\"") != NULL);
  CHECK_STATUS(soa_transfer_plan_summary(plan, &summary), SOA_STATUS_OK);
  CHECK(strstr(summary, "1 mailbox(es) to transfer") != NULL && strstr(summary, "CHG-7") != NULL);
  CHECK_STATUS(soa_transfer_plan_counts(plan, &counts), SOA_STATUS_OK);
  CHECK(strcmp(counts, "{\"go\":1,\"deferred\":0,\"skipped\":0,\"total\":1,\"blocked\":false}") == 0);
  /* A dry run changes nothing and calls no callback it was not given. */
  CHECK_STATUS(soa_transfer_run(session, plan, run_dry, "{\"dry_run\":true}", NULL, NULL, &dry), SOA_STATUS_OK);
  CHECK(strstr(dry, "\"dry_run\":true") != NULL && strstr(dry, "\"step\":\"planned\"") != NULL);
  /* The actor is the session's: a run's options no longer name one. */
  CHECK_STATUS(soa_transfer_run(session, plan, run, "{\"actor\":\"someone\"}", NULL, NULL, &report),
               SOA_STATUS_INVALID_JSON);
  /* The run: every step reported through the callback, on this thread. */
  CHECK_STATUS(soa_transfer_run(session, plan, run, NULL, count_progress, &progress, &report), SOA_STATUS_OK);
  CHECK(strstr(report, "\"step\":\"verified\"") != NULL);
  CHECK(progress.events >= 4); /* planned, backed_up, flip_sent, verified */
  CHECK(progress.verified >= 1 && progress.backed_up == 1);
  CHECK(progress.last_done == 1); /* the last event counts the mailbox done */
  /* Resuming a finished run flips nothing again and reports no progress: nothing is left. */
  progress.events = 0;
  progress.backed_up = 0;
  progress.last_done = -1;
  CHECK_STATUS(soa_transfer_resume(session, run, NULL, count_progress, &progress, &resumed), SOA_STATUS_OK);
  CHECK(strstr(resumed, "done in an earlier attempt") != NULL);
  CHECK(progress.events == 0 && progress.backed_up == 0 && progress.last_done == -1);
  /* The backup is where the core says it is; it restores in the cloud (nothing differs yet)
   * and as an on-premises script. */
  CHECK(backup_file(run, backup, sizeof backup));
  CHECK_STATUS(soa_backup_path(run, "alice@contoso.com", &expected_backup), SOA_STATUS_OK);
  CHECK(strcmp(expected_backup, backup) == 0);
  CHECK_STATUS(soa_transfer_restore_in_cloud(session, backup, 1, &restore), SOA_STATUS_OK);
  CHECK(strstr(restore, "\"dry_run\":true") != NULL);
  CHECK_STATUS(soa_transfer_restore_script(session, backup, &script), SOA_STATUS_OK);
  CHECK(strstr(script, "Set-ADUser -Identity 'alice@contoso.com' -Replace") != NULL);
  CHECK(strstr(script, "'CC-100'") != NULL);
  /* A cloud edit, then a rollback: refused until the loss is acknowledged. */
  CHECK_STATUS(soa_backend_set_mailbox(local, "alice", "{\"set\":{\"CustomAttribute1\":\"CC-CLOUD\"}}"),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_rollback(session, "alice@contoso.com", "{}", NULL, &outcome), SOA_STATUS_REFUSED);
  CHECK(outcome == NULL);
  CHECK(last_error_contains("Acknowledge"));
  snprintf(audit_path, sizeof audit_path, "%s/audit.jsonl", run);
  CHECK_STATUS(soa_transfer_rollback(session, "alice@contoso.com", "{\"acknowledge_loss\":true,\"ticket\":\"CHG-7\"}",
                                     audit_path, &outcome),
               SOA_STATUS_OK);
  CHECK(strstr(outcome, "\"rolled_back\":true") != NULL);
  CHECK(strstr(outcome, "CustomAttribute1") != NULL);
  CHECK(strstr(outcome, "\"directory_checked\":true") != NULL);
  /* Every record names the session's actor. */
  CHECK_STATUS(soa_audit_log_normalized(audit_path, &audit), SOA_STATUS_OK);
  CHECK(count_of(audit, "\n") == 3 && count_of(audit, "\"actor\":\"c-test\"") == 3);
cleanup:
  soa_string_free(plan);
  soa_string_free(summary);
  soa_string_free(report);
  soa_string_free(cycles);
  soa_string_free(outcome);
  soa_string_free(dry);
  soa_string_free(resumed);
  soa_string_free(script);
  soa_string_free(restore);
  soa_string_free(preflight);
  soa_string_free(counts);
  soa_string_free(expected_backup);
  soa_string_free(audit);
  soa_string_free(principal);
  soa_backend_free(local);
  soa_session_free(unnamed);
  soa_session_free(session);
  return ok;
}

static void test_transfer_sim(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_backend *backend = NULL;
  soa_session *session = NULL;
  char *plan = NULL, *run_report = NULL, *rbac = NULL, *config = NULL, *guid = NULL, *cycle = NULL;
  char run[64];
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &backend), SOA_STATUS_OK);
  CHECK(transfer_flow(backend, sim));
  CHECK_STATUS(session_on(backend, sim, NULL, &session), SOA_STATUS_OK);
  /* An outdated Connect Sync blocks the run, not the plan. */
  CHECK(new_run_dir(run, sizeof run));
  CHECK_STATUS(soa_transfer_plan(session, ALICE_ONLY, "{\"ticket\":\"CHG-8\"}",
                                 "{\"sync\":{\"connect_sync_version\":\"2.5.79.0\"}}", &plan),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_run(session, plan, run, NULL, NULL, NULL, &run_report), SOA_STATUS_REFUSED);
  CHECK(last_error_contains("connect_sync"));
  /* A callback that calls into the library gets SOA_STATUS_REENTRANT from that call; the run goes on. */
  soa_string_free(plan);
  plan = NULL;
  CHECK_STATUS(soa_sim_add_ad_user(sim, BOB, &guid), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_sync_cycle(sim, &cycle), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_assign_license(sim, "bob@contoso.com"), SOA_STATUS_OK);
  soa_string_free(cycle);
  cycle = NULL;
  CHECK_STATUS(soa_sim_advance(sim, 25 * 60, &cycle), SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_plan(session, "{\"identities\":[\"bob@contoso.com\"]}", "{\"ticket\":\"CHG-9\"}", "{}",
                                 &plan),
               SOA_STATUS_OK);
  CHECK(new_run_dir(run, sizeof run));
  {
    reentrant r = {backend, 0, SOA_STATUS_OK};
    CHECK_STATUS(soa_transfer_run(session, plan, run, NULL, call_back_in, &r, &run_report), SOA_STATUS_OK);
    CHECK(r.calls >= 4);
    CHECK(r.nested == SOA_STATUS_REENTRANT);
    CHECK(strstr(run_report, "\"step\":\"verified\"") != NULL);
  }
  /* The RBAC review and the tenant default's gate. */
  CHECK_STATUS(soa_rbac_review(session, "SOA Operators", &rbac), SOA_STATUS_OK);
  CHECK(strstr(rbac, "New-RoleGroup -Name 'SOA Operators'") != NULL);
  CHECK_STATUS(soa_tenant_default_enable(session, "{\"on_premises_provisioning_in_use\":true}", NULL),
               SOA_STATUS_REFUSED);
  CHECK(last_error_contains("Fix:"));
  CHECK_STATUS(soa_tenant_default_enable(session, "{\"on_premises_provisioning_in_use\":false}", "{}"),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_get_organization_config(backend, &config), SOA_STATUS_OK);
  CHECK(strstr(config, "\"BlockExchangeProvisioningFromOnPremEnabled\":true") != NULL);
  CHECK_STATUS(soa_tenant_default_disable(session), SOA_STATUS_OK);
cleanup:
  soa_string_free(plan);
  soa_string_free(run_report);
  soa_string_free(rbac);
  soa_string_free(config);
  soa_string_free(guid);
  soa_string_free(cycle);
  soa_session_free(session);
  soa_backend_free(backend);
  soa_sim_free(sim);
  report("transfer on the simulation: ticket, settle rule, run with progress, resume, rollback", ok);
}

static void test_transfer_client(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_emulator *emu = NULL;
  soa_client *client = NULL;
  soa_backend *backend = NULL;
  soa_session *blind = NULL;
  char *outcome = NULL, *plan = NULL;
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_emulator_start(sim, NULL, &emu), SOA_STATUS_OK);
  CHECK_STATUS(connect_as(emu, "admin@contoso.com", NULL, &client), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(client, &backend), SOA_STATUS_OK);
  /* The backend holds the client: releasing the handle it came from changes nothing. */
  soa_client_free(client);
  client = NULL;
  /* Without a directory the plan says the settle rule was checked on the cloud side only, and a
   * rollback cannot compute the loss: refused unless acknowledged. */
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, NULL, &blind), SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_plan(blind, ALICE_ONLY, "{\"ticket\":\"CHG-7\"}", "{}", &plan), SOA_STATUS_OK);
  CHECK(strstr(plan, "\"directory_checked\":false") != NULL);
  CHECK(transfer_flow(backend, sim));
  CHECK_STATUS(soa_backend_set_cloud_managed(backend, "alice", 1), SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_rollback(blind, "alice", "{}", NULL, &outcome), SOA_STATUS_REFUSED);
  CHECK(outcome == NULL);
  CHECK(last_error_contains("No on-premises directory"));
cleanup:
  soa_string_free(outcome);
  soa_string_free(plan);
  soa_session_free(blind);
  soa_backend_free(backend);
  soa_client_free(client);
  soa_emulator_free(emu);
  soa_sim_free(sim);
  report("transfer through the REST client and the emulator: the same flow", ok);
}

static void test_new_functions_misuse(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_backend *backend = NULL, *none = (soa_backend *)0x1;
  soa_session *session = NULL, *no_session = (soa_session *)0x1;
  soa_directory *no_directory = (soa_directory *)0x1;
  soa_client *client = (soa_client *)0x1;
  soa_emulator *emu = (soa_emulator *)0x1;
  char *out = NULL;
  CHECK_STATUS(soa_sim_new("contoso.com", &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &backend), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, NULL, &session), SOA_STATUS_OK);
  /* NULL handles, strings and out-pointers. */
  CHECK_STATUS(soa_client_connect(NULL, "commercial", "{}", NULL, &client), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("tenant"));
  CHECK_STATUS(soa_client_connect("contoso.com", "commercial", NULL, NULL, &client), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_client_connect("contoso.com", "commercial", "{\"kind\":\"token\",\"token\":\"t\"}", NULL, NULL),
               SOA_STATUS_NULL_ARGUMENT);
  CHECK(client == (soa_client *)0x1);
  CHECK_STATUS(soa_backend_get_mailbox(NULL, "alice", &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`backend`"));
  CHECK_STATUS(soa_backend_list_mailboxes(NULL, "{}", NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_get_user(backend, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_set_mailbox(backend, "alice", NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_get_organization_config(backend, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_role_assignments(backend, "Set-Mailbox", NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_search_admin_audit_log(backend, "[]", &out), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_backend_set_cloud_managed_by_default(backend, 2), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_emulator_start(NULL, NULL, &emu), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_emulator_start(sim, "{\"max_page_size\":0}", &emu), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_emulator_start(sim, "[1]", &emu), SOA_STATUS_INVALID_JSON);
  CHECK(emu == (soa_emulator *)0x1);
  CHECK_STATUS(soa_emulator_base_url(NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_emulator_stop(NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_emulator_issue_token(NULL, "x", &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_from_sim(NULL, &none), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backend_from_client(NULL, &none), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_session_backend(NULL, &none), SOA_STATUS_NULL_ARGUMENT);
  CHECK(none == (soa_backend *)0x1);
  CHECK_STATUS(soa_directory_from_sim(NULL, &no_directory), SOA_STATUS_NULL_ARGUMENT);
  CHECK(no_directory == (soa_directory *)0x1);
  CHECK_STATUS(soa_session_new(NULL, NULL, NULL, NULL, &no_session), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`backend`"));
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, NULL, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, "ops\xff", &no_session), SOA_STATUS_INVALID_UTF8);
  CHECK(no_session == (soa_session *)0x1);
  CHECK_STATUS(soa_session_actor(NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_session_now(session, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_preflight_gather(NULL, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_preflight_gather(session, "{\"settle_hours\":\"soon\"}", &out), SOA_STATUS_INVALID_JSON);
  CHECK_STATUS(soa_transfer_plan(NULL, ALICE_ONLY, "{}", "{}", &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`session`"));
  CHECK_STATUS(soa_transfer_plan(session, NULL, "{}", "{}", &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("selection_json"));
  CHECK_STATUS(soa_transfer_plan(session, ALICE_ONLY, "{\"ticket\":\"C\"}", "{}", NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_run(session, NULL, "x", NULL, NULL, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_resume(session, NULL, NULL, NULL, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_rollback(session, NULL, "{}", NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_restore_in_cloud(session, NULL, 0, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_restore_script(NULL, "b.json", &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_plan_summary(NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_plan_counts(NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_transfer_plan_counts("{}", &out), SOA_STATUS_INVALID_JSON);
  CHECK_STATUS(soa_run_folder_json(NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_backup_path("runs", NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_audit_log_normalized(NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_audit_log_normalized("/nonexistent/audit.jsonl", &out), SOA_STATUS_IO);
  CHECK_STATUS(soa_tenant_default_enable(session, NULL, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_tenant_default_disable(NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_rbac_review(session, NULL, &out), SOA_STATUS_NULL_ARGUMENT);
  /* Invalid UTF-8. */
  CHECK_STATUS(soa_client_connect("contoso\xff", "commercial", "{}", NULL, &client), SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("offset 7"));
  CHECK_STATUS(soa_transfer_plan(session, "{\"identities\":[\"\xc3\"]}", "{}", "{}", &out), SOA_STATUS_INVALID_UTF8);
  CHECK_STATUS(soa_transfer_resume(session, "runs/\xff", NULL, NULL, NULL, &out), SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("`run_dir`"));
  CHECK_STATUS(soa_rbac_review(session, "SOA \xe2\x82", &out), SOA_STATUS_INVALID_UTF8);
  CHECK_STATUS(soa_backup_path("runs", "al\xffice", &out), SOA_STATUS_INVALID_UTF8);
  /* Bad values. */
  CHECK_STATUS(soa_transfer_plan(session, "{\"everyone\":true}", "{}", "{}", &out), SOA_STATUS_INVALID_JSON);
  CHECK_STATUS(soa_transfer_restore_in_cloud(session, "/nonexistent/backup.json", 0, &out), SOA_STATUS_IO);
  CHECK_STATUS(soa_transfer_restore_in_cloud(session, "/nonexistent/backup.json", 5, &out), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_transfer_resume(session, "/nonexistent/run", NULL, NULL, NULL, &out), SOA_STATUS_IO);
  CHECK(out == NULL);
  /* The free functions ignore NULL. */
  soa_client_free(NULL);
  soa_emulator_free(NULL);
  soa_backend_free(NULL);
  soa_directory_free(NULL);
  soa_session_free(NULL);
cleanup:
  soa_session_free(session);
  soa_backend_free(backend);
  soa_sim_free(sim);
  report("new functions: NULL, invalid UTF-8 and bad values", ok);
}

/* --- reconciliation and the script auditor ------------------------------------------------ */

#define FIXTURES "tests/c/fixtures/"

/* Writes `text` to `path`; 1 on success. */
static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return 0;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

/* The whole of a small file in `buf` (NUL-terminated); 1 on success. */
static int read_file(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  size_t n = fread(buf, 1, len - 1, f);
  buf[n] = '\0';
  fclose(f);
  return n > 0;
}

static const char *RECONCILE_NOW = "{\"now\":\"2026-11-27T00:00:00Z\"}";

static void test_reconcile_files(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  soa_reconcile_report *rpt = NULL, *later = NULL, *loaded = NULL;
  char *json = NULL, *changes = NULL, *json_loaded = NULL;
  char dir[64], path[256], text[8192];
  size_t changed = 0;
  CHECK(new_run_dir(dir, sizeof dir));
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_files(cat, FIXTURES "ad_users.csv", NULL, FIXTURES "mailboxes.json", RECONCILE_NOW,
                                   &rpt),
               SOA_STATUS_OK);
  CHECK(rpt != NULL);
  CHECK_STATUS(soa_reconcile_report_json(rpt, &json), SOA_STATUS_OK);
  /* Alice is cloud-managed and her cloud value won: AD holds the stale one. */
  CHECK(strstr(json, "\"ldap_name\":\"extensionAttribute1\"") != NULL);
  CHECK(strstr(json, "\"class\":\"cloud_master_ad_stale\"") != NULL);
  CHECK(strstr(json, "\"Finance\"") != NULL && strstr(json, "\"Sales\"") != NULL);
  CHECK(strstr(json, "\"differences\":1,") != NULL);
  CHECK(strstr(json, "\"matched\":2,") != NULL);
  CHECK(strstr(json, "ad_users.csv") != NULL); /* the source is named after the file */
  /* The three renderings, and the JSON read back. */
  snprintf(path, sizeof path, "%s/rpt.html", dir);
  CHECK_STATUS(soa_reconcile_report_save_html(rpt, path), SOA_STATUS_OK);
  CHECK(read_file(path, text, sizeof text));
  CHECK(strstr(text, "<html") != NULL && strstr(text, "cloud_master_ad_stale") != NULL);
  snprintf(path, sizeof path, "%s/rpt.csv", dir);
  CHECK_STATUS(soa_reconcile_report_save_csv(rpt, path), SOA_STATUS_OK);
  CHECK(read_file(path, text, sizeof text));
  CHECK(strncmp(text, "Mailbox,", 8) == 0 && strstr(text, "extensionAttribute1") != NULL);
  snprintf(path, sizeof path, "%s/rpt.json", dir);
  CHECK_STATUS(soa_reconcile_report_save_json(rpt, path), SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_report_load_json(path, &loaded), SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_report_json(loaded, &json_loaded), SOA_STATUS_OK);
  CHECK(strcmp(json, json_loaded) == 0);
  /* AD caught up with the cloud: the difference is resolved in the later rpt. */
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users_later.csv", "CSV", FIXTURES "mailboxes.json",
                                   RECONCILE_NOW, &later),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_report_changes_since(later, rpt, &changes), SOA_STATUS_OK);
  CHECK(strstr(changes, "\"new\":[]") != NULL);
  CHECK(strstr(changes, "\"resolved\":[{") != NULL);
  CHECK(strstr(changes, "\"changed\":[]") != NULL);
  /* The writeback plan: by default the cloud-mastered stale values, as LDIF and a script. */
  {
    char ldif[256], ps1[256];
    snprintf(ldif, sizeof ldif, "%s/plan.ldf", dir);
    snprintf(ps1, sizeof ps1, "%s/plan.ps1", dir);
    CHECK_STATUS(soa_writeback_plan_save(rpt, NULL, ldif, ps1, &changed), SOA_STATUS_OK);
    CHECK(changed == 1);
    CHECK(read_file(ldif, text, sizeof text));
    CHECK(strstr(text, "dn: CN=Alice Wong,OU=Staff,DC=contoso,DC=com") != NULL);
    CHECK(strstr(text, "replace: extensionAttribute1\nextensionAttribute1: Finance\n-") != NULL);
    CHECK(read_file(ps1, text, sizeof text));
    CHECK(strstr(text, "Set-ADUser -Identity 'a0000000-0000-0000-0000-000000000001'") != NULL);
    CHECK(strstr(text, "-WhatIf:(-not $Apply)") != NULL);
    /* A selection that matches nothing plans nothing; a count alone writes no file. */
    changed = 99;
    CHECK_STATUS(soa_writeback_plan_save(rpt, "{\"attributes\":[\"extensionAttribute2\"]}", NULL, NULL, &changed),
                 SOA_STATUS_OK);
    CHECK(changed == 0);
    CHECK_STATUS(soa_writeback_plan_save(rpt, "{\"classes\":[\"cloud_master_ad_stale\"],\"mailboxes\":[\"ALICE@contoso.com\"],"
                                                 "\"attributes\":[\"CustomAttribute1\"]}",
                                         NULL, NULL, &changed),
                 SOA_STATUS_OK);
    CHECK(changed == 1);
    CHECK_STATUS(soa_writeback_plan_save(rpt, "{\"classes\":[\"stale\"]}", NULL, NULL, &changed),
                 SOA_STATUS_INVALID_JSON);
    CHECK_STATUS(soa_writeback_plan_save(rpt, "{\"class\":[]}", NULL, NULL, &changed), SOA_STATUS_INVALID_JSON);
    CHECK(last_error_contains("class"));
    CHECK(changed == 1);
  }
cleanup:
  soa_string_free(json);
  soa_string_free(json_loaded);
  soa_string_free(changes);
  soa_reconcile_report_free(loaded);
  soa_reconcile_report_free(later);
  soa_reconcile_report_free(rpt);
  soa_catalog_free(cat);
  report("reconcile: CSV with cloud JSON, reports, comparison, writeback plan", ok);
}

typedef struct {
  int events;
  int cloud_done;
  int directory_done;
} reconcile_progress;

static void count_reconcile(const char *event_json, void *user_data) {
  reconcile_progress *p = (reconcile_progress *)user_data;
  p->events++;
  if (strstr(event_json, "\"phase\":\"cloud\"") != NULL) p->cloud_done = (int)json_number(event_json, "records");
  if (strstr(event_json, "\"phase\":\"directory\"") != NULL) p->directory_done = (int)json_number(event_json, "records");
}

static void test_reconcile_live(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_backend *backend = NULL, *remote = NULL;
  soa_session *session = NULL, *over_client = NULL;
  soa_emulator *emu = NULL;
  soa_client *client = NULL;
  soa_reconcile_report *rpt = NULL, *over_rest = NULL;
  char *json = NULL, *json_rest = NULL;
  reconcile_progress progress = {0, -1, -1};
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &backend), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, NULL, &session), SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_live(session, FIXTURES "ad_users.csv", NULL, RECONCILE_NOW, count_reconcile, &progress,
                                  &rpt),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_report_json(rpt, &json), SOA_STATUS_OK);
  /* The simulated mailbox holds what its AD account synced (CC-100); the export says Sales. */
  CHECK(strstr(json, "\"CC-100\"") != NULL);
  CHECK(strstr(json, "\"ldap_name\":\"extensionAttribute1\"") != NULL);
  CHECK(strstr(json, "\"matched\":1,") != NULL);
  CHECK(strstr(json, "\"ad_source\":\"" FIXTURES "ad_users.csv\"") != NULL);
  /* Progress: both sides, each ending with all its records, on this thread. */
  CHECK(progress.events >= 2);
  CHECK(progress.cloud_done == json_number(json, "cloud_records"));
  CHECK(progress.directory_done == json_number(json, "ad_records"));
  CHECK_STATUS(soa_reconcile_live(NULL, FIXTURES "ad_users.csv", NULL, NULL, NULL, NULL, &rpt),
               SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`session`"));
  CHECK_STATUS(soa_reconcile_live(session, FIXTURES "ad_users.csv", "xml", NULL, NULL, NULL, &rpt),
               SOA_STATUS_INVALID_INPUT);
  /* The same organization through the REST client and the emulator: the same difference. */
  CHECK_STATUS(soa_emulator_start(sim, NULL, &emu), SOA_STATUS_OK);
  CHECK_STATUS(connect_as(emu, "admin@contoso.com", NULL, &client), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_client(client, &remote), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_new(remote, NULL, NULL, NULL, &over_client), SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_live(over_client, FIXTURES "ad_users.csv", "csv", RECONCILE_NOW, NULL, NULL, &over_rest),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_reconcile_report_json(over_rest, &json_rest), SOA_STATUS_OK);
  CHECK(strstr(json_rest, "\"CC-100\"") != NULL);
  CHECK(strstr(json_rest, "\"matched\":1,") != NULL);
cleanup:
  soa_string_free(json);
  soa_string_free(json_rest);
  soa_reconcile_report_free(rpt);
  soa_reconcile_report_free(over_rest);
  soa_session_free(over_client);
  soa_session_free(session);
  soa_backend_free(remote);
  soa_client_free(client);
  soa_emulator_free(emu);
  soa_backend_free(backend);
  soa_sim_free(sim);
  report("reconcile: an AD export with the live organization, simulated and through the REST client", ok);
}

static void test_reconcile_misuse(void) {
  int ok = 1;
  soa_reconcile_report *rpt = NULL, *none = (soa_reconcile_report *)0x1;
  char *json = (char *)0x1;
  size_t changed = 7;
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", NULL, FIXTURES "mailboxes.json", NULL, &rpt),
               SOA_STATUS_OK);
  /* NULL arguments. */
  CHECK_STATUS(soa_reconcile_files(NULL, NULL, NULL, FIXTURES "mailboxes.json", NULL, &none), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`ad_path`"));
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", NULL, NULL, NULL, &none), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`cloud_path`"));
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", NULL, FIXTURES "mailboxes.json", NULL, NULL),
               SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_json(NULL, &json), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_json(rpt, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_load_json(NULL, &none), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_save_json(NULL, "x.json"), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_save_csv(rpt, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_save_html(rpt, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_reconcile_report_changes_since(rpt, NULL, &json), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`earlier`"));
  CHECK_STATUS(soa_writeback_plan_save(NULL, NULL, NULL, NULL, &changed), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_writeback_plan_save(rpt, NULL, NULL, NULL, NULL), SOA_STATUS_NULL_ARGUMENT);
  /* Invalid UTF-8. */
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad\xff.csv", NULL, FIXTURES "mailboxes.json", NULL, &none),
               SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("`ad_path`"));
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", "cs\xc3", FIXTURES "mailboxes.json", NULL, &none),
               SOA_STATUS_INVALID_UTF8);
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", NULL, FIXTURES "mailboxes.json",
                                   "{\"ad_source\":\"\xfe\"}", &none),
               SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("`options_json`"));
  CHECK_STATUS(soa_reconcile_report_save_json(rpt, "target/c-tests/\xff.json"), SOA_STATUS_INVALID_UTF8);
  CHECK_STATUS(soa_writeback_plan_save(rpt, NULL, "plan\xe2\x82.ldf", NULL, &changed), SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("`ldif_path`"));
  /* Bad input: a malformed CSV names the file and the line; a missing file is IO. */
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "bad_unequal.csv", NULL, FIXTURES "mailboxes.json", NULL, &none),
               SOA_STATUS_INVALID_INPUT);
  CHECK(last_error_contains("bad_unequal.csv line 3"));
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "missing.csv", NULL, FIXTURES "mailboxes.json", NULL, &none),
               SOA_STATUS_IO);
  CHECK(last_error_contains("missing.csv"));
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", NULL, FIXTURES "missing.json", NULL, &none),
               SOA_STATUS_IO);
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", "xml", FIXTURES "mailboxes.json", NULL, &none),
               SOA_STATUS_INVALID_INPUT);
  CHECK(last_error_contains("ad_format"));
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "mailboxes.json", NULL, FIXTURES "mailboxes.json", "[]", &none),
               SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_reconcile_files(NULL, FIXTURES "ad_users.csv", NULL, FIXTURES "mailboxes.json",
                                   "{\"sync_grace_minutes\":\"soon\"}", &none),
               SOA_STATUS_INVALID_JSON);
  CHECK_STATUS(soa_reconcile_report_load_json("/nonexistent/rpt.json", &none), SOA_STATUS_IO);
  CHECK_STATUS(soa_reconcile_report_load_json(FIXTURES "mailboxes.json", &none), SOA_STATUS_INVALID_JSON);
  CHECK(last_error_contains("mailboxes.json"));
  CHECK_STATUS(soa_reconcile_report_save_html(rpt, "/nonexistent/dir/rpt.html"), SOA_STATUS_IO);
  CHECK(none == (soa_reconcile_report *)0x1);
  CHECK(json == (char *)0x1);
  CHECK(changed == 7);
  soa_reconcile_report_free(NULL);
cleanup:
  soa_reconcile_report_free(rpt);
  report("reconcile: NULL, invalid UTF-8, malformed CSV, missing files", ok);
}

static const char *LEGACY_SCRIPT =
    "# Set-RemoteMailbox in a comment is not a command\n"
    "Set-ADUser jdoe -Replace @{extensionAttribute1='Finance'}\n";

static void test_audit_scripts(void) {
  int ok = 1;
  soa_catalog *cat = NULL;
  char dir[64], script[256], copies[256], copy[320], text[4096];
  char *json = NULL, *sarif = NULL, *summary = NULL, *untouched = (char *)0x1;
  size_t files = 0;
  CHECK(new_run_dir(dir, sizeof dir));
  snprintf(script, sizeof script, "%s/alias.ps1", dir);
  snprintf(copies, sizeof copies, "%s/fixed", dir);
  snprintf(copy, sizeof copy, "%s/alias.ps1", copies);
  CHECK(write_file(script, LEGACY_SCRIPT));
  CHECK_STATUS(soa_catalog_builtin(&cat), SOA_STATUS_OK);
  /* The folder is walked; the finding has its stable rule id, its line and its safe fix. */
  CHECK_STATUS(soa_audit_scripts(cat, dir, NULL, &json), SOA_STATUS_OK);
  CHECK(strstr(json, "\"rule\":\"SOA-PS002\"") != NULL);
  CHECK(strstr(json, "\"line\":2,") != NULL);
  CHECK(strstr(json, "Set-Mailbox -Identity 'jdoe' -CustomAttribute1 'Finance'") != NULL);
  CHECK(strstr(json, "SOA-PS001") == NULL); /* the comment is not a command */
  CHECK_STATUS(soa_audit_scripts_sarif(NULL, script, "{\"max_file_bytes\":100000}", &sarif), SOA_STATUS_OK);
  CHECK(strstr(sarif, "\"version\":\"2.1.0\"") != NULL);
  CHECK(strstr(sarif, "\"ruleId\":\"SOA-PS002\"") != NULL);
  CHECK_STATUS(soa_audit_scripts_text(NULL, script, NULL, &summary), SOA_STATUS_OK);
  CHECK(strstr(summary, "SOA-PS002") != NULL && strstr(summary, "1 findings") != NULL);
  soa_string_free(json);
  json = NULL;
  /* A size limit turns the file into an unreadable-file finding. */
  CHECK_STATUS(soa_audit_scripts(NULL, script, "{\"max_file_bytes\":10}", &json), SOA_STATUS_OK);
  CHECK(strstr(json, "\"rule\":\"SOA-PS901\"") != NULL);
  /* The rewrite goes to a copy; the script itself is untouched. */
  CHECK_STATUS(soa_audit_scripts_fix(cat, dir, NULL, copies, 0, &files), SOA_STATUS_OK);
  CHECK(files == 1);
  CHECK(read_file(copy, text, sizeof text));
  CHECK(strstr(text, "Set-Mailbox -Identity 'jdoe' -CustomAttribute1 'Finance'\n") != NULL);
  CHECK(read_file(script, text, sizeof text));
  CHECK(strcmp(text, LEGACY_SCRIPT) == 0);
  /* A copy that would land on the script itself is refused; in place only when asked. */
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, dir, 0, &files), SOA_STATUS_REFUSED);
  CHECK(last_error_contains("in place"));
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, NULL, 0, &files), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`out_dir`"));
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, copies, 1, &files), SOA_STATUS_INVALID_INPUT);
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, NULL, 2, &files), SOA_STATUS_INVALID_INPUT);
  CHECK(read_file(script, text, sizeof text));
  CHECK(strcmp(text, LEGACY_SCRIPT) == 0);
  files = 0;
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, NULL, 1, &files), SOA_STATUS_OK);
  CHECK(files == 1);
  CHECK(read_file(script, text, sizeof text));
  CHECK(strstr(text, "Set-ADUser") == NULL && strstr(text, "Set-Mailbox -Identity 'jdoe'") != NULL);
  /* Nothing left to rewrite. */
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, NULL, 1, &files), SOA_STATUS_OK);
  CHECK(files == 0);
  /* Misuse: NULL, invalid UTF-8, a missing path, bad options. */
  CHECK_STATUS(soa_audit_scripts(cat, NULL, NULL, &untouched), SOA_STATUS_NULL_ARGUMENT);
  CHECK(last_error_contains("`path`"));
  CHECK_STATUS(soa_audit_scripts(cat, script, NULL, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_audit_scripts_sarif(cat, script, NULL, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_audit_scripts_text(cat, NULL, NULL, &untouched), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, NULL, 1, NULL), SOA_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(soa_audit_scripts(cat, "scripts/\xff.ps1", NULL, &untouched), SOA_STATUS_INVALID_UTF8);
  CHECK_STATUS(soa_audit_scripts_fix(cat, script, NULL, "out\xc3", 0, &files), SOA_STATUS_INVALID_UTF8);
  CHECK(last_error_contains("`out_dir`"));
  CHECK_STATUS(soa_audit_scripts(cat, "/nonexistent/scripts", NULL, &untouched), SOA_STATUS_IO);
  CHECK(last_error_contains("/nonexistent/scripts"));
  CHECK_STATUS(soa_audit_scripts(cat, script, "{\"max_bytes\":1}", &untouched), SOA_STATUS_INVALID_JSON);
  CHECK(last_error_contains("max_bytes"));
  CHECK(untouched == (char *)0x1);
cleanup:
  soa_string_free(json);
  soa_string_free(sarif);
  soa_string_free(summary);
  soa_catalog_free(cat);
  report("audit scripts: JSON, SARIF, text, fixes to a copy and in place, misuse", ok);
}

/* ----- sessions ----- */

static void test_session_defaults(void) {
  int ok = 1;
  soa_sim *sim = NULL, *ops = NULL;
  soa_backend *backend = NULL, *as_ops = NULL, *again = NULL;
  soa_directory *directory = NULL;
  soa_catalog *catalog = NULL;
  soa_session *session = NULL, *named = NULL, *with_ops = NULL, *none = (soa_session *)0x1;
  char *actor = NULL, *named_actor = NULL, *ops_actor = NULL, *now = NULL, *sim_now = NULL, *mbx = NULL,
       *folder = NULL, *backup = NULL, *backup_again = NULL, *default_dir = NULL, *loss_path = NULL;
  CHECK_STATUS(alice_org(&sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &backend), SOA_STATUS_OK);
  CHECK_STATUS(soa_directory_from_sim(sim, &directory), SOA_STATUS_OK);
  CHECK_STATUS(soa_catalog_builtin(&catalog), SOA_STATUS_OK);
  /* An explicit empty (or blank) actor is an error, never a silent blank. */
  CHECK_STATUS(soa_session_new(backend, directory, NULL, "", &none), SOA_STATUS_INVALID_INPUT);
  CHECK(last_error_contains("actor"));
  CHECK_STATUS(soa_session_new(backend, directory, NULL, "  ", &none), SOA_STATUS_INVALID_INPUT);
  CHECK(none == (soa_session *)0x1);
  /* NULL: the backend's principal. */
  CHECK_STATUS(soa_session_new(backend, directory, catalog, NULL, &session), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_actor(session, &actor), SOA_STATUS_OK);
  CHECK(strcmp(actor, "admin@contoso.com") == 0);
  CHECK_STATUS(soa_sim_add_principal(sim, "ops@contoso.com", "[\"Organization Management\"]"), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_as_principal(sim, "ops@contoso.com", &ops), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(ops, &as_ops), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_new(as_ops, NULL, NULL, NULL, &with_ops), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_actor(with_ops, &ops_actor), SOA_STATUS_OK);
  CHECK(strcmp(ops_actor, "ops@contoso.com") == 0);
  CHECK_STATUS(soa_session_new(backend, NULL, NULL, "change-bot", &named), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_actor(named, &named_actor), SOA_STATUS_OK);
  CHECK(strcmp(named_actor, "change-bot") == 0);
  /* The session's clock is the organization's virtual one. */
  CHECK_STATUS(soa_session_now(session, &now), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_now(sim, &sim_now), SOA_STATUS_OK);
  CHECK(strcmp(now, sim_now) == 0);
  /* The session's Exchange Online, for the operations a cmdlet given only a session runs;
   * the handles it was made from can go first. */
  soa_backend_free(backend);
  backend = NULL;
  soa_directory_free(directory);
  directory = NULL;
  soa_catalog_free(catalog);
  catalog = NULL;
  CHECK_STATUS(soa_session_backend(session, &again), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_get_mailbox(again, "alice", &mbx), SOA_STATUS_OK);
  CHECK(strstr(mbx, "alice@contoso.com") != NULL);
  /* The run folder's layout and the backup file of a mailbox come from the core. */
  CHECK_STATUS(soa_run_folder_json("runs/r1", &folder), SOA_STATUS_OK);
  CHECK(strcmp(folder, "{\"dir\":\"runs/r1\",\"plan\":\"runs/r1/plan.json\",\"journal\":\"runs/r1/journal.jsonl\","
                       "\"audit\":\"runs/r1/audit.jsonl\",\"backups\":\"runs/r1/backups\",\"lock\":\"runs/r1/run.lock\"}") == 0);
  /* The default folder of a run and the file a rollback exports its loss to. */
  CHECK_STATUS(soa_run_folder_default("/srv/soa", "20261207T000000Z-1-1", &default_dir), SOA_STATUS_OK);
  CHECK(strcmp(default_dir, "/srv/soa/soa-runs/20261207T000000Z-1-1") == 0);
  CHECK_STATUS(soa_rollback_loss_path("exports", "Ann O'Neil@contoso.com", &loss_path), SOA_STATUS_OK);
  {
    const char *want = "exports/rollback-loss-ann_o_neil@contoso.com.";
    CHECK(strncmp(loss_path, want, strlen(want)) == 0);
    CHECK(strcmp(loss_path + strlen(loss_path) - 5, ".json") == 0);
  }
  CHECK_STATUS(soa_backup_path("target/c-tests/runs/layout", "Ann O'Neil@contoso.com", &backup), SOA_STATUS_OK);
  {
    const char *want = "target/c-tests/runs/layout/backups/ann_o_neil@contoso.com.";
    CHECK(strncmp(backup, want, strlen(want)) == 0);
  }
  CHECK(strcmp(backup + strlen(backup) - 5, ".json") == 0);
  CHECK_STATUS(soa_backup_path("target/c-tests/runs/layout", "ANN O'NEIL@contoso.com", &backup_again),
               SOA_STATUS_OK);
  CHECK(strcmp(backup, backup_again) == 0);
cleanup:
  soa_string_free(actor);
  soa_string_free(named_actor);
  soa_string_free(ops_actor);
  soa_string_free(now);
  soa_string_free(sim_now);
  soa_string_free(mbx);
  soa_string_free(folder);
  soa_string_free(backup);
  soa_string_free(backup_again);
  soa_string_free(default_dir);
  soa_string_free(loss_path);
  soa_session_free(session);
  soa_session_free(named);
  soa_session_free(with_ops);
  soa_backend_free(again);
  soa_backend_free(as_ops);
  soa_backend_free(backend);
  soa_directory_free(directory);
  soa_catalog_free(catalog);
  soa_sim_free(ops);
  soa_sim_free(sim);
  report("session: empty actor refused, NULL actor is the principal, clock, backend, run-folder layout", ok);
}

/* ----- one pager read from two threads ----- */

#define MAX_IDS 512

typedef struct {
  const soa_mailbox_pager *pager;
  char *ids[MAX_IDS];
  int count;
  soa_status failure;
} pager_reader;

/* Reads pages of 3 until [] and keeps every ExternalDirectoryObjectId. */
static void *read_pages(void *arg) {
  pager_reader *r = (pager_reader *)arg;
  static const char key[] = "\"ExternalDirectoryObjectId\":\"";
  for (;;) {
    char *page = NULL;
    soa_status st = soa_mailbox_pager_next(r->pager, 3, &page);
    if (st != SOA_STATUS_OK) {
      r->failure = st;
      return NULL;
    }
    int empty = strcmp(page, "[]") == 0;
    for (const char *p = strstr(page, key); p != NULL; p = strstr(p + 1, key)) {
      const char *start = p + strlen(key);
      const char *end = strchr(start, '"');
      if (end != NULL && r->count < MAX_IDS) {
        size_t n = (size_t)(end - start);
        char *id = malloc(n + 1);
        memcpy(id, start, n);
        id[n] = '\0';
        r->ids[r->count++] = id;
      }
    }
    soa_string_free(page);
    if (empty) return NULL;
  }
}

static int compare_ids(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_pager_two_threads(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_backend *backend = NULL;
  soa_mailbox_pager *pager = NULL;
  char *summary = NULL;
  pager_reader a = {NULL, {NULL}, 0, SOA_STATUS_OK}, b = {NULL, {NULL}, 0, SOA_STATUS_OK};
  char *all[2 * MAX_IDS];
  int total = 0, started = 0;
  pthread_t ta, tb;
  CHECK_STATUS(soa_sim_generate(200, 5, &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_sim_summary(sim, &summary), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &backend), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_list_mailboxes(backend, "{}", &pager), SOA_STATUS_OK);
  a.pager = pager;
  b.pager = pager;
  CHECK(pthread_create(&ta, NULL, read_pages, &a) == 0);
  started = 1;
  if (pthread_create(&tb, NULL, read_pages, &b) != 0) {
    pthread_join(ta, NULL);
    CHECK(0);
  }
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  CHECK(a.failure == SOA_STATUS_OK && b.failure == SOA_STATUS_OK);
  /* Every mailbox exactly once, across both threads. */
  for (int i = 0; i < a.count; i++) all[total++] = a.ids[i];
  for (int i = 0; i < b.count; i++) all[total++] = b.ids[i];
  CHECK(total == json_number(summary, "mailboxes"));
  CHECK(total > 100 && total < MAX_IDS);
  qsort(all, (size_t)total, sizeof all[0], compare_ids);
  for (int i = 1; i < total; i++) CHECK(strcmp(all[i - 1], all[i]) != 0);
cleanup:
  (void)started;
  for (int i = 0; i < a.count; i++) free(a.ids[i]);
  for (int i = 0; i < b.count; i++) free(b.ids[i]);
  soa_string_free(summary);
  soa_mailbox_pager_free(pager);
  soa_backend_free(backend);
  soa_sim_free(sim);
  report("pager: two threads on one pager get every mailbox exactly once", ok);
}

/* ----- the cross-front-end scenario ----- */

#define SCENARIO_DIR "target/test-artifacts/scenario/"

/* Reads a whole file into a new buffer (NUL-terminated), or NULL. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap * 2 + 4096 + 1;
      char *grown = realloc(buf, cap);
      if (grown == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = grown;
    }
    size_t n = fread(buf + len, 1, 4096, f);
    len += n;
    if (n < 4096) break;
  }
  fclose(f);
  buf[len] = '\0';
  return buf;
}

/* The value of the first `"key":"..."` in `json`, copied into `buf`. */
static int json_string(const char *json, const char *key, char *buf, size_t len) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *at = strstr(json, pattern);
  if (at == NULL) return 0;
  at += strlen(pattern);
  const char *end = strchr(at, '"');
  if (end == NULL || (size_t)(end - at) >= len) return 0;
  memcpy(buf, at, (size_t)(end - at));
  buf[end - at] = '\0';
  return 1;
}

/* Generate(200, seed 11); a session on it with its AD; the first dir-synced, not cloud-managed
 * mailbox of the backend's listing; preflight, plan (CHG-1, batch cap 1, no probe), run, and a
 * rollback with the loss acknowledged into the run's audit log. The normalized audit records
 * must be byte for byte those of the Rust reference run. */
static void test_cross_front_end_scenario(void) {
  int ok = 1;
  soa_sim *sim = NULL;
  soa_backend *backend = NULL;
  soa_session *session = NULL;
  soa_mailbox_pager *pager = NULL;
  char *first = NULL, *preflight = NULL, *plan = NULL, *counts = NULL, *report_json = NULL, *outcome = NULL,
       *audit = NULL, *reference = NULL, *actor = NULL;
  char upn[256], run[64], selection[400], audit_path[128];
  FILE *out = NULL;
  CHECK_STATUS(soa_sim_generate(200, 11, &sim), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_from_sim(sim, &backend), SOA_STATUS_OK);
  CHECK_STATUS(session_on(backend, sim, NULL, &session), SOA_STATUS_OK);
  CHECK_STATUS(soa_session_actor(session, &actor), SOA_STATUS_OK);
  CHECK_STATUS(soa_backend_list_mailboxes(backend, "{\"dir_synced\":true,\"cloud_managed\":false}", &pager),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_mailbox_pager_next(pager, 1, &first), SOA_STATUS_OK);
  CHECK(json_string(first, "UserPrincipalName", upn, sizeof upn));
  snprintf(selection, sizeof selection, "{\"identities\":[\"%s\"]}", upn);
  CHECK_STATUS(soa_preflight_gather(session, NULL, &preflight), SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_plan(session, selection, "{\"ticket\":\"CHG-1\",\"batch_cap\":1,\"probe_attribute\":null}",
                                 preflight, &plan),
               SOA_STATUS_OK);
  CHECK_STATUS(soa_transfer_plan_counts(plan, &counts), SOA_STATUS_OK);
  CHECK(json_number(counts, "go") == 1);
  CHECK(new_run_dir(run, sizeof run));
  CHECK_STATUS(soa_transfer_run(session, plan, run, NULL, NULL, NULL, &report_json), SOA_STATUS_OK);
  CHECK(count_of(report_json, "\"step\":\"verified\"") == 1);
  snprintf(audit_path, sizeof audit_path, "%s/audit.jsonl", run);
  CHECK_STATUS(soa_transfer_rollback(session, upn, "{\"acknowledge_loss\":true,\"ticket\":\"CHG-1\"}", audit_path,
                                     &outcome),
               SOA_STATUS_OK);
  CHECK(strstr(outcome, "\"rolled_back\":true") != NULL);
  CHECK_STATUS(soa_audit_log_normalized(audit_path, &audit), SOA_STATUS_OK);
  CHECK(count_of(audit, "\n") == 3);
  CHECK(strstr(audit, "\"time\"") == NULL && strstr(audit, "\"run_id\"") == NULL);
  {
    char want_actor[320];
    snprintf(want_actor, sizeof want_actor, "\"actor\":\"%s\"", actor);
    CHECK(count_of(audit, want_actor) == 3);
  }
  out = fopen(SCENARIO_DIR "c.jsonl", "wb");
  CHECK(out != NULL);
  CHECK(fputs(audit, out) >= 0);
  CHECK(fclose(out) == 0);
  out = NULL;
  reference = slurp(SCENARIO_DIR "rust.jsonl");
  if (reference == NULL) {
    fprintf(stderr, "  " SCENARIO_DIR "rust.jsonl is missing: the Rust suite writes it (run tests/run.sh rust first)\n");
    CHECK(reference != NULL);
  }
  if (strcmp(reference, audit) != 0) {
    fprintf(stderr, "  the C audit records differ from the Rust ones:\n--- rust\n%s--- c\n%s", reference, audit);
    CHECK(0);
  }
cleanup:
  if (out != NULL) fclose(out);
  free(reference);
  soa_string_free(first);
  soa_string_free(preflight);
  soa_string_free(plan);
  soa_string_free(counts);
  soa_string_free(report_json);
  soa_string_free(outcome);
  soa_string_free(audit);
  soa_string_free(actor);
  soa_mailbox_pager_free(pager);
  soa_session_free(session);
  soa_backend_free(backend);
  soa_sim_free(sim);
  report("cross-front-end scenario: the audit records are byte for byte the Rust run's", ok);
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
  test_client_get_set();
  test_client_pager();
  test_client_denied_and_auth();
  test_client_throttled();
  test_transfer_sim();
  test_transfer_client();
  test_new_functions_misuse();
  test_reconcile_files();
  test_reconcile_live();
  test_reconcile_misuse();
  test_audit_scripts();
  test_session_defaults();
  test_pager_two_threads();
  test_cross_front_end_scenario();
  printf("c: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
