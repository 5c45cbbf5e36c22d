// Tests of the PowerShell module's P/Invoke layer (soa-ffi/powershell/ExchangeSoa/SoaNative.cs)
// against the real libsoa_ffi. Compiled together with SoaNative.cs by Mono's mcs and run with
// mono (tests/lib/csharp.sh); PowerShell 7 compiles the same SoaNative.cs with Add-Type.
//
// Every export that SoaNative.cs declares is called at least once (the last test checks that by
// reflection, and that each declaration binds to a symbol of the library), through the facade
// and through the raw declarations, and the ABI is misused on purpose: NULL handles and strings,
// invalid UTF-8, a NULL out-pointer, a forced panic, a disposed handle. The simulated
// organization is driven through a whole transfer: provisioning on-premises, sync, license, the
// write-scope refusal, the flip, a cloud edit that sync no longer overwrites, writeback, RBAC,
// the audit log, paging, snapshots and an outdated sync engine. The HTTP emulator is started
// through the ABI and the REST client connects to it over loopback sockets; the transfer workflow
// runs on both backends, its progress reaching a C# delegate.
//
// Prints one line per test and ends with exactly `csharp: N passed, N failed`; exits 1 on any
// failure.

using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace ExchangeSoa.Tests
{
    // Raw declarations that the module does not need but misuse tests do: IntPtr handles (to
    // pass NULL), byte arrays (to pass invalid UTF-8) and IntPtr out-pointers (to pass NULL).
    internal static class Raw
    {
        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_len(IntPtr catalog, out UIntPtr count);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_lookup(IntPtr catalog, byte[] name, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_master(IntPtr catalog, byte[] stateJson, byte[] attribute, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_address_parse(byte[] text, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_parse(byte[] text, IntPtr outNormalized);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_builtin(IntPtr outCatalog);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_audit_scripts(IntPtr catalog, byte[] path, IntPtr optionsJson, out IntPtr json);

        // The simulated organization, with IntPtr handles and byte[] strings.

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_new(byte[] tenant, out IntPtr sim);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_generate(ulong size, ulong seed, IntPtr outSim);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_load(byte[] path, out IntPtr sim);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_save(IntPtr sim, byte[] path);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_as_principal(IntPtr sim, byte[] principal, out IntPtr asPrincipal);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_principal(IntPtr sim, byte[] principal, byte[] rolesJson);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_summary(IntPtr sim, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_summary(IntPtr sim, IntPtr outJson);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_now(IntPtr sim, out IntPtr now);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_advance(IntPtr sim, long minutes, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_sync_cycle(IntPtr sim, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_writeback_cycle(IntPtr sim, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_sync_errors(IntPtr sim, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_connect_sync_version(IntPtr sim, byte[] version);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_cloud_sync_agent(IntPtr sim, byte[] agentJson);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_ad_user(IntPtr sim, byte[] userJson, out IntPtr guid);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_ad_attributes(IntPtr sim, byte[] identity, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_ad_attributes(IntPtr sim, byte[] identity, byte[] changesJson);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_remove_ad_user(IntPtr sim, byte[] identity);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_assign_license(IntPtr sim, byte[] identity);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_cloud_mailbox(IntPtr sim, byte[] userPrincipalName, byte[] recipientType, out IntPtr id);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_get_mailbox(IntPtr backend, byte[] identity, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_get_user(IntPtr backend, byte[] identity, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_set_mailbox(IntPtr backend, byte[] identity, byte[] changesJson);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_set_cloud_managed(IntPtr backend, byte[] identity, int value);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_get_organization_config(IntPtr backend, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_set_cloud_managed_by_default(IntPtr backend, int enabled);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_role_assignments(IntPtr backend, byte[] cmdlet, byte[] parameter, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_search_admin_audit_log(IntPtr backend, byte[] queryJson, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_list_mailboxes(IntPtr backend, byte[] filterJson, out IntPtr pager);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_mailbox_pager_next(IntPtr pager, uint pageSize, out IntPtr json);

        [DllImport(Native.LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_mailbox_pager_next(IntPtr pager, uint pageSize, IntPtr outJson);
    }

    // The Exchange Online operations on a simulated organization or a client, through a backend
    // made for the one call: the facade takes backends only, and these tests drive organizations.
    internal static class Via
    {
        public static string GetMailbox(SoaSimHandle of, string identity)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                return Api.GetMailbox(backend, identity);
            }
        }

        public static string GetUser(SoaSimHandle of, string identity)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                return Api.GetUser(backend, identity);
            }
        }

        public static void SetMailbox(SoaSimHandle of, string identity, string changesJson)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                Api.SetMailbox(backend, identity, changesJson);
            }
        }

        public static void SetCloudManaged(SoaSimHandle of, string identity, bool value)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                Api.SetCloudManaged(backend, identity, value);
            }
        }

        public static string GetOrganizationConfig(SoaSimHandle of)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                return Api.GetOrganizationConfig(backend);
            }
        }

        public static void SetCloudManagedByDefault(SoaSimHandle of, bool enabled)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                Api.SetCloudManagedByDefault(backend, enabled);
            }
        }

        public static string RoleAssignments(SoaSimHandle of, string cmdlet, string parameter)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                return Api.RoleAssignments(backend, cmdlet, parameter);
            }
        }

        public static string SearchAdminAuditLog(SoaSimHandle of, string queryJson)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                return Api.SearchAdminAuditLog(backend, queryJson);
            }
        }

        public static SoaMailboxPagerHandle ListMailboxes(SoaSimHandle of, string filterJson)
        {
            using (SoaBackendHandle backend = Api.BackendFromSim(of))
            {
                return Api.ListMailboxes(backend, filterJson);
            }
        }

        public static string GetMailbox(SoaClientHandle of, string identity)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                return Api.GetMailbox(backend, identity);
            }
        }

        public static string GetUser(SoaClientHandle of, string identity)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                return Api.GetUser(backend, identity);
            }
        }

        public static void SetMailbox(SoaClientHandle of, string identity, string changesJson)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                Api.SetMailbox(backend, identity, changesJson);
            }
        }

        public static void SetCloudManaged(SoaClientHandle of, string identity, bool value)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                Api.SetCloudManaged(backend, identity, value);
            }
        }

        public static string GetOrganizationConfig(SoaClientHandle of)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                return Api.GetOrganizationConfig(backend);
            }
        }

        public static void SetCloudManagedByDefault(SoaClientHandle of, bool enabled)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                Api.SetCloudManagedByDefault(backend, enabled);
            }
        }

        public static string RoleAssignments(SoaClientHandle of, string cmdlet, string parameter)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                return Api.RoleAssignments(backend, cmdlet, parameter);
            }
        }

        public static string SearchAdminAuditLog(SoaClientHandle of, string queryJson)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                return Api.SearchAdminAuditLog(backend, queryJson);
            }
        }

        public static SoaMailboxPagerHandle ListMailboxes(SoaClientHandle of, string filterJson)
        {
            using (SoaBackendHandle backend = Api.BackendFromClient(of))
            {
                return Api.ListMailboxes(backend, filterJson);
            }
        }
    }

    internal sealed class TestFailure : Exception
    {
        public TestFailure(string message) : base(message) { }
    }

    internal static class Program
    {
        private static int passed;
        private static int failed;
        private static readonly HashSet<string> Called = new HashSet<string>();

        private const string Synced = "{\"dir_synced\":true,\"cloud_managed\":false,\"recipient_type\":\"UserMailbox\"}";
        private const string CloudManaged = "{\"dir_synced\":true,\"cloud_managed\":true,\"recipient_type\":\"UserMailbox\"}";
        private const string CloudOnly = "{\"dir_synced\":false,\"cloud_managed\":false,\"recipient_type\":null}";

        private static int Main()
        {
            Console.OutputEncoding = new UTF8Encoding(false);
            using (SoaCatalogHandle catalog = Api.BuiltinCatalog())
            {
                Use("soa_catalog_builtin");
                Run("version is the crate version", TestVersion);
                Run("status names match the SoaStatus values", TestStatusNames);
                Run("catalog: builtin handle is valid and non-empty", () => TestBuiltin(catalog));
                Run("catalog: to_json lists as many attributes as len", () => TestToJson(catalog));
                Run("catalog: lookup by any name, case-insensitive", () => TestLookup(catalog));
                Run("catalog: unknown attribute names the input (UTF-8 round trip)", () => TestUnknownAttribute(catalog));
                Run("catalog: override JSON adds a row and leaves the base alone", () => TestOverrideJson(catalog));
                Run("catalog: inconsistent or malformed override is refused", () => TestOverrideRefused(catalog));
                Run("catalog: override file, and a missing file gives SOA_STATUS_IO", () => TestOverrideFile(catalog));
                Run("master: identity, exchange and cloud-only states", () => TestMaster(catalog));
                Run("decide_edit: cloud-managed exchange attribute", () => TestDecideEdit(catalog));
                Run("decide_edit: hostile value is quoted in the tool", () => TestDecideEditQuoting(catalog));
                Run("decide_edit: invalid value is an error, not a decision", () => TestDecideEditInvalid(catalog));
                Run("rollback_loss: lists cloud values that differ from AD", () => TestRollbackLoss(catalog));
                Run("rollback_loss: not cloud-managed means no rollback", () => TestRollbackNotApplicable(catalog));
                Run("rollback_loss: unknown attribute name is refused", () => TestRollbackUnknown(catalog));
                Run("catalog handle is shared by threads", () => TestThreads(catalog));
                Run("misuse: invalid SafeHandle gives SOA_STATUS_NULL_ARGUMENT", TestInvalidSafeHandle);
                Run("misuse: NULL handle (IntPtr.Zero) gives SOA_STATUS_NULL_ARGUMENT", TestNullHandle);
                Run("misuse: NULL string gives SOA_STATUS_NULL_ARGUMENT", () => TestNullString(catalog));
                Run("misuse: NULL out-pointer gives SOA_STATUS_NULL_ARGUMENT", TestNullOut);
                Run("misuse: invalid UTF-8 gives SOA_STATUS_INVALID_UTF8", () => TestInvalidUtf8(catalog));
            }
            Run("proxy address: primary and secondary SMTP", TestProxyAddress);
            Run("proxy address: malformed gives SOA_STATUS_INVALID_PROXY_ADDRESS", TestProxyAddressInvalid);
            Run("proxy address set: one primary, no duplicates", TestProxyAddressSet);
            Run("smtp address: parts, and malformed input", TestSmtpAddress);
            Run("sync version: parse and normal form", TestSyncVersionParse);
            Run("sync version: compare", TestSyncVersionCompare);
            Run("recipient type: eligibility", TestRecipientType);
            Run("preflight: organization checks", TestPreflightOrganization);
            Run("preflight: mailbox checks", TestPreflightMailbox);
            Run("preflight: bad time is refused", TestPreflightBadTime);
            Run("last_error: NULL after success, message after failure", TestLastError);
            Run("last_error: per thread", TestLastErrorPerThread);
            Run("panic: SOA_STATUS_PANIC with a message, process alive", TestPanic);
            Run("SafeHandle: dispose twice, use after dispose", TestDisposeTwice);
            Run("free functions ignore NULL", TestFreeNull);
            Run("UTF-8 helper decodes what it is given", TestUtf8Helper);
            Run("NativeLoader: no resolver where NativeLibrary is missing", TestNativeLoader);
            Run("sim: a new organization is empty, at the epoch", TestSimNew);
            Run("sim: flip scenario from provisioning to a cloud edit that sync keeps", TestSimFlipScenario);
            Run("sim: writeback copies cloud values to AD", TestSimWriteback);
            Run("sim: audit log and role assignments", TestSimAuditAndRoles);
            Run("sim: RBAC denies an unknown principal (SOA_STATUS_ACCESS_DENIED)", TestSimRbacDenied);
            Run("sim: a principal with a read-only role", TestSimReadOnlyPrincipal);
            Run("sim: pager reads pages until [] and counts match the summary", TestSimPager);
            Run("sim: pager filters match the summary's counts", TestSimPagerFilters);
            Run("sim: pager outlives its organization handle; dispose twice", TestSimPagerLifetime);
            Run("sim: snapshot save/load round trip", TestSimSnapshot);
            Run("sim: snapshot errors (missing file, bad JSON, bad folder)", TestSimSnapshotErrors);
            Run("sim: old Connect Sync gives sync export errors", TestSimOldConnectSync);
            Run("sim: clock advance runs the cycles that fall due", TestSimAdvance);
            Run("sim: cloud-only mailbox, tenant default, removal", TestSimCloudOnlyAndRemoval);
            Run("sim: bad input is refused with the right status", TestSimBadInput);
            Run("sim: handles on one organization are shared by threads", TestSimThreads);
            Run("misuse: NULL sim handle gives SOA_STATUS_NULL_ARGUMENT everywhere", TestSimNullHandle);
            Run("misuse: NULL strings on the sim functions", TestSimNullStrings);
            Run("misuse: invalid UTF-8 on the sim functions", TestSimInvalidUtf8);
            Run("misuse: NULL out-pointers and invalid SafeHandles on the sim functions", TestSimNullOutAndInvalidHandles);
            Run("emulator: start, URLs, tokens, apps, faults, stats, stop", TestEmulator);
            Run("client: get, set, write scope, config, roles, audit over the emulator", TestClientOperations);
            Run("client: a listing across gateway pages", TestClientPager);
            Run("client: access denied for an unknown principal, secrets stay out of messages", TestClientDenied);
            Run("client: a throttled emulator, every call completes", TestClientThrottled);
            Run("transfer on the simulation: plan, run with a C# delegate, resume, restore, rollback", TestTransferSim);
            Run("transfer through the client and the emulator: the same flow", TestTransferClient);
            Run("transfer: an exception in the delegate is rethrown after the run", TestTransferProgressException);
            Run("transfer: tenant default gate and RBAC review", TestTenantDefaultAndRbac);
            Run("session: empty actor refused, null actor is the principal, clock, backend, run-folder layout", TestSessionDefaults);
            Run("cross-front-end scenario: the audit records are byte for byte the Rust run's", TestCrossFrontEndScenario);
            Run("misuse: invalid and disposed client, emulator, backend and session handles", TestNewHandlesMisuse);
            Run("reconcile: CSV with cloud JSON, reports, comparison, writeback plan", TestReconcileFiles);
            Run("reconcile: an AD export with the live simulated organization", TestReconcileLive);
            Run("reconcile: malformed CSV, missing files, NULL and disposed handles", TestReconcileMisuse);
            Run("audit scripts: JSON, SARIF, text, fixes to a copy and in place", TestAuditScripts);
            Run("audit scripts: NULL, invalid UTF-8, missing paths, bad options", TestAuditScriptsMisuse);
            Run("every declared export was called", TestEveryExportCalled);

            Console.WriteLine("csharp: {0} passed, {1} failed", passed, failed);
            return failed == 0 ? 0 : 1;
        }

        // --- harness ---------------------------------------------------------------------------

        private static void Run(string name, Action body)
        {
            try
            {
                body();
                passed++;
                Console.WriteLine("ok   - " + name);
            }
            catch (Exception e)
            {
                failed++;
                string what = e is TestFailure ? e.Message : e.GetType().Name + ": " + e.Message;
                Console.WriteLine("FAIL - " + name + ": " + what.Replace("\n", " | "));
            }
        }

        private static void Use(string export)
        {
            lock (Called)
            {
                Called.Add(export);
            }
        }

        private static void True(bool condition, string message)
        {
            if (!condition)
            {
                throw new TestFailure(message);
            }
        }

        private static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                throw new TestFailure(what + ": expected <" + expected + "> but got <" + actual + ">");
            }
        }

        private static void Contains(string haystack, string needle, string what)
        {
            if (haystack == null || haystack.IndexOf(needle, StringComparison.Ordinal) < 0)
            {
                throw new TestFailure(what + ": expected to contain <" + needle + "> in <" + haystack + ">");
            }
        }

        // Runs a facade call that must fail with `expected`; returns the exception.
        private static SoaException Throws(SoaStatus expected, Action call, string what)
        {
            try
            {
                call();
            }
            catch (SoaException e)
            {
                if (e.Status != expected)
                {
                    throw new TestFailure(what + ": expected " + expected + " but got " + e.Status + " (" + e.Message + ")");
                }
                True(!string.IsNullOrEmpty(e.Message), what + ": the exception has no message");
                Equal(Api.StatusName((int)expected), e.StatusName, what + ": status name");
                return e;
            }
            throw new TestFailure(what + ": expected " + expected + " but the call succeeded");
        }

        private static int Count(string haystack, string needle)
        {
            int count = 0;
            int at = 0;
            while ((at = haystack.IndexOf(needle, at, StringComparison.Ordinal)) >= 0)
            {
                count++;
                at += needle.Length;
            }
            return count;
        }

        private static byte[] Utf8z(string text)
        {
            byte[] body = Encoding.UTF8.GetBytes(text);
            byte[] z = new byte[body.Length + 1];
            Array.Copy(body, z, body.Length);
            return z;
        }

        // --- version and status ----------------------------------------------------------------

        private static void TestVersion()
        {
            string version = Api.Version();
            Use("soa_version");
            True(version != null, "soa_version returned NULL");
            string[] parts = version.Split('.');
            True(parts.Length == 3, "version is not MAJOR.MINOR.PATCH: " + version);
            foreach (string part in parts)
            {
                int n;
                True(int.TryParse(part, out n), "version part is not a number: " + version);
            }
            // The same static pointer each time: nothing to free.
            Equal(Native.soa_version(), Native.soa_version(), "soa_version pointer");
        }

        private static void TestStatusNames()
        {
            foreach (SoaStatus status in (SoaStatus[])Enum.GetValues(typeof(SoaStatus)))
            {
                Equal("SOA_STATUS_" + ScreamingSnake(status.ToString()), Api.StatusName((int)status), "name of " + (int)status);
            }
            Use("soa_status_name");
            Equal("SOA_STATUS_UNKNOWN", Api.StatusName(12345), "name of an unknown value");
            Equal("SOA_STATUS_UNKNOWN", Api.StatusName(-1), "name of a negative value");
        }

        private static string ScreamingSnake(string pascal)
        {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < pascal.Length; i++)
            {
                char c = pascal[i];
                if (i > 0 && char.IsUpper(c))
                {
                    sb.Append('_');
                }
                sb.Append(char.ToUpperInvariant(c));
            }
            return sb.ToString();
        }

        // --- catalog ---------------------------------------------------------------------------

        private static void TestBuiltin(SoaCatalogHandle catalog)
        {
            True(!catalog.IsInvalid && !catalog.IsClosed, "the builtin handle is invalid");
            long len = Api.CatalogLength(catalog);
            Use("soa_catalog_len");
            True(len > 20, "the builtin catalog has only " + len + " attributes");
            using (SoaCatalogHandle second = Api.BuiltinCatalog())
            {
                Equal(len, Api.CatalogLength(second), "a second builtin handle has the same length");
            }
        }

        private static void TestToJson(SoaCatalogHandle catalog)
        {
            string json = Api.CatalogJson(catalog);
            Use("soa_catalog_to_json");
            True(json.StartsWith("[", StringComparison.Ordinal) && json.EndsWith("]", StringComparison.Ordinal),
                "to_json is not an array");
            Equal(Api.CatalogLength(catalog), (long)Count(json, "\"value_kind\":"), "attributes in to_json");
            Contains(json, "\"ldap_name\":\"proxyAddresses\"", "to_json");
        }

        private static void TestLookup(SoaCatalogHandle catalog)
        {
            string byLdap = Api.Lookup(catalog, "extensionAttribute1");
            Use("soa_catalog_lookup");
            Contains(byLdap, "\"exo_property\":\"CustomAttribute1\"", "lookup extensionAttribute1");
            Contains(byLdap, "\"class\":\"exchange\"", "lookup extensionAttribute1");
            Equal(byLdap, Api.Lookup(catalog, "EXTENSIONATTRIBUTE1"), "lookup ignores case");
            Equal(byLdap, Api.Lookup(catalog, "CustomAttribute1"), "lookup by Exchange property");
            Contains(Api.Lookup(catalog, "displayName"), "\"class\":\"identity\"", "lookup displayName");
        }

        private static void TestUnknownAttribute(SoaCatalogHandle catalog)
        {
            SoaException e = Throws(SoaStatus.UnknownAttribute,
                () => Api.Lookup(catalog, "Jürgen€Attribute"), "lookup of an unknown name");
            Contains(e.Message, "Jürgen€Attribute", "the message names the input");
        }

        private const string NewRow =
            "{\"attributes\":[{\"ldap_name\":\"msExchExtensionAttribute16\",\"exo_property\":\"ExtensionCustomAttribute6\","
            + "\"value_kind\":\"multi_string\",\"class\":\"exchange\"}]}";

        private static void TestOverrideJson(SoaCatalogHandle catalog)
        {
            long before = Api.CatalogLength(catalog);
            using (SoaCatalogHandle patched = Api.WithOverrideJson(catalog, NewRow, "test override"))
            {
                Use("soa_catalog_with_override_json");
                Equal(before + 1, Api.CatalogLength(patched), "length after adding a row");
                Contains(Api.Lookup(patched, "ExtensionCustomAttribute6"), "\"ldap_name\":\"msExchExtensionAttribute16\"",
                    "lookup of the added row");
            }
            Equal(before, Api.CatalogLength(catalog), "the base catalog is unchanged");
            Throws(SoaStatus.UnknownAttribute, () => Api.Lookup(catalog, "ExtensionCustomAttribute6"),
                "the base catalog does not know the added row");
        }

        private static void TestOverrideRefused(SoaCatalogHandle catalog)
        {
            // A new row must give value_kind and class.
            SoaException e = Throws(SoaStatus.InvalidCatalog,
                () => Api.WithOverrideJson(catalog, "{\"attributes\":[{\"ldap_name\":\"brandNewAttribute\"}]}", "incomplete.json"),
                "override adding an incomplete row");
            Contains(e.Message, "incomplete.json", "the message names the origin");
            try
            {
                Api.WithOverrideJson(catalog, "{\"attributes\": [", "truncated.json").Dispose();
                throw new TestFailure("a truncated override was accepted");
            }
            catch (SoaException t)
            {
                True(t.IsInvalidInput, "a truncated override gives an input error, not " + t.Status);
                Contains(t.Message, "truncated.json", "the message names the origin");
            }
        }

        private static void TestOverrideFile(SoaCatalogHandle catalog)
        {
            string path = Path.Combine(Path.GetTempPath(), "soa-csharp-override-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, NewRow, new UTF8Encoding(false));
            try
            {
                using (SoaCatalogHandle patched = Api.WithOverrideFile(catalog, path))
                {
                    Use("soa_catalog_with_override_file");
                    Equal(Api.CatalogLength(catalog) + 1, Api.CatalogLength(patched), "length after the override file");
                }
            }
            finally
            {
                File.Delete(path);
            }
            SoaException e = Throws(SoaStatus.Io, () => Api.WithOverrideFile(catalog, path), "a missing override file");
            Contains(e.Message, Path.GetFileName(path), "the message names the file");
        }

        // --- authority -------------------------------------------------------------------------

        private static void TestMaster(SoaCatalogHandle catalog)
        {
            Equal("\"on_premises_ad\"", Api.Master(catalog, Synced, "extensionAttribute1"), "exchange attribute, synced");
            Use("soa_master");
            Equal("\"exchange_online\"", Api.Master(catalog, CloudManaged, "extensionAttribute1"), "exchange attribute, cloud-managed");
            Equal("\"on_premises_ad\"", Api.Master(catalog, CloudManaged, "displayName"), "identity attribute, cloud-managed");
            Equal("\"entra_id\"", Api.Master(catalog, CloudOnly, "displayName"), "identity attribute, cloud-only");
            Throws(SoaStatus.UnknownAttribute, () => Api.Master(catalog, Synced, "noSuchAttribute"), "master of an unknown attribute");
            Throws(SoaStatus.InvalidJson, () => Api.Master(catalog, "{\"dir_synced\":\"maybe\"}", "displayName"), "master with a bad state");
        }

        private static void TestDecideEdit(SoaCatalogHandle catalog)
        {
            string onPrem = Api.DecideEdit(catalog, CloudManaged,
                "{\"attribute\":\"extensionAttribute1\",\"value\":\"x\",\"location\":\"active_directory\",\"identity\":\"alice@contoso.com\"}");
            Use("soa_decide_edit");
            Contains(onPrem, "\"allowed\":false", "on-premises edit of a cloud-managed attribute");
            Contains(onPrem, "\"authority\":\"exchange_online\"", "on-premises edit of a cloud-managed attribute");
            Contains(onPrem, "\"attribute\":\"CustomAttribute1\"", "the decision names the canonical attribute");
            string cloud = Api.DecideEdit(catalog, CloudManaged,
                "{\"attribute\":\"CustomAttribute1\",\"value\":\"x\",\"location\":\"exchange_online\",\"identity\":\"alice@contoso.com\"}");
            Contains(cloud, "\"allowed\":true", "cloud edit of a cloud-managed attribute");
            Contains(cloud, "Set-Mailbox", "the tool for a cloud edit");
            string synced = Api.DecideEdit(catalog, Synced,
                "{\"attribute\":\"CustomAttribute1\",\"value\":\"x\",\"location\":\"exchange_online\"}");
            Contains(synced, "\"allowed\":false", "cloud edit of an attribute mastered on-premises");
        }

        private static void TestDecideEditQuoting(SoaCatalogHandle catalog)
        {
            string decision = Api.DecideEdit(catalog, CloudManaged,
                "{\"attribute\":\"CustomAttribute1\",\"value\":\"x'; Remove-Item C:\\\\ -Recurse; '\",\"location\":\"exchange_online\",\"identity\":\"o'brien@contoso.com\"}");
            Contains(decision, "'o''brien@contoso.com'", "the identity is quoted");
            Contains(decision, "'x''; Remove-Item", "the value is quoted");
        }

        private static void TestDecideEditInvalid(SoaCatalogHandle catalog)
        {
            Throws(SoaStatus.InvalidProxyAddress, () => Api.DecideEdit(catalog, CloudManaged,
                "{\"attribute\":\"proxyAddresses\",\"value\":[\"smtp:a@contoso.com\"],\"location\":\"exchange_online\"}"),
                "a proxy address set without a primary");
            Throws(SoaStatus.InvalidJson, () => Api.DecideEdit(catalog, CloudManaged,
                "{\"attribute\":\"CustomAttribute1\",\"value\":\"x\",\"location\":\"the_moon\"}"),
                "an unknown location");
        }

        private static void TestRollbackLoss(SoaCatalogHandle catalog)
        {
            string loss = Api.RollbackLoss(catalog, CloudManaged,
                "{\"CustomAttribute1\":\"cloud value\",\"CustomAttribute2\":\"same\",\"displayName\":\"Alice\"}",
                "{\"extensionAttribute1\":\"ad value\",\"extensionAttribute2\":\"same\"}");
            Use("soa_rollback_loss");
            Contains(loss, "\"applies\":true", "rollback of a cloud-managed mailbox");
            Contains(loss, "\"attribute\":\"CustomAttribute1\"", "the changed value is lost");
            Contains(loss, "\"cloud_value\":\"cloud value\"", "the lost cloud value");
            Contains(loss, "\"ad_value\":\"ad value\"", "the AD value that replaces it");
            Equal(1, Count(loss, "\"attribute\":"), "only the differing exchange attribute is listed");
        }

        private static void TestRollbackNotApplicable(SoaCatalogHandle catalog)
        {
            string loss = Api.RollbackLoss(catalog, Synced, "{\"CustomAttribute1\":\"x\"}", "{}");
            Contains(loss, "\"applies\":false", "rollback of a mailbox that is not cloud-managed");
            Contains(loss, "\"entries\":[]", "no entries");
        }

        private static void TestRollbackUnknown(SoaCatalogHandle catalog)
        {
            SoaException e = Throws(SoaStatus.UnknownAttribute,
                () => Api.RollbackLoss(catalog, CloudManaged, "{\"notAnAttribute\":\"x\"}", "{}"), "an unknown attribute");
            Contains(e.Message, "notAnAttribute", "the message names the attribute");
        }

        private static void TestThreads(SoaCatalogHandle catalog)
        {
            const int threads = 4;
            string expected = Api.Lookup(catalog, "proxyAddresses");
            string[] errors = new string[threads];
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int index = t;
                workers[t] = new Thread(() =>
                {
                    try
                    {
                        for (int i = 0; i < 200; i++)
                        {
                            if (Api.Lookup(catalog, "proxyAddresses") != expected)
                            {
                                errors[index] = "a lookup gave a different answer";
                                return;
                            }
                            try
                            {
                                Api.Lookup(catalog, "missing" + index);
                                errors[index] = "an unknown name was found";
                                return;
                            }
                            catch (SoaException e)
                            {
                                if (e.Message.IndexOf("missing" + index, StringComparison.Ordinal) < 0)
                                {
                                    errors[index] = "another thread's error message: " + e.Message;
                                    return;
                                }
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        errors[index] = e.ToString();
                    }
                });
                workers[t].Start();
            }
            foreach (Thread worker in workers)
            {
                worker.Join();
            }
            foreach (string error in errors)
            {
                True(error == null, error);
            }
        }

        // --- misuse ----------------------------------------------------------------------------

        private static void TestInvalidSafeHandle()
        {
            using (SoaCatalogHandle invalid = new SoaCatalogHandle())
            {
                True(invalid.IsInvalid, "a new SoaCatalogHandle should be invalid");
                UIntPtr count = new UIntPtr(42);
                SoaStatus status = Native.soa_catalog_len(invalid, out count);
                Equal(SoaStatus.NullArgument, status, "soa_catalog_len(invalid handle)");
                Equal(42UL, count.ToUInt64(), "the out-parameter is untouched on failure");
                Contains(Api.LastError(), "catalog", "the message names the parameter");
                SoaException e = Throws(SoaStatus.NullArgument, () => Api.Lookup(invalid, "displayName"), "Api.Lookup(invalid handle)");
                Contains(e.Message, "NULL", "the message says NULL");
            }
        }

        private static void TestNullHandle()
        {
            UIntPtr count;
            Equal(SoaStatus.NullArgument, Raw.soa_catalog_len(IntPtr.Zero, out count), "soa_catalog_len(NULL)");
            IntPtr json = IntPtr.Zero;
            Equal(SoaStatus.NullArgument, Raw.soa_catalog_lookup(IntPtr.Zero, Utf8z("displayName"), out json), "soa_catalog_lookup(NULL)");
            Equal(IntPtr.Zero, json, "no string is returned on failure");
            Equal(SoaStatus.NullArgument, Raw.soa_master(IntPtr.Zero, Utf8z(Synced), Utf8z("displayName"), out json), "soa_master(NULL)");
            Contains(Api.LastError(), "`catalog`", "the message names the parameter");
            try
            {
                Api.Lookup(null, "displayName");
                throw new TestFailure("Api.Lookup(null) did not throw");
            }
            catch (ArgumentNullException)
            {
            }
        }

        private static void TestNullString(SoaCatalogHandle catalog)
        {
            IntPtr json = IntPtr.Zero;
            Equal(SoaStatus.NullArgument, Native.soa_catalog_lookup(catalog, null, out json), "soa_catalog_lookup(name NULL)");
            Contains(Api.LastError(), "`name`", "the message names the parameter");
            Equal(SoaStatus.NullArgument, Native.soa_proxy_address_parse(null, out json), "soa_proxy_address_parse(NULL)");
            int result;
            Equal(SoaStatus.NullArgument, Native.soa_sync_version_compare("1.0.0.0", null, out result), "soa_sync_version_compare(b NULL)");
            Contains(Api.LastError(), "`b`", "the message names the parameter");
            Equal(SoaStatus.NullArgument, Native.soa_preflight_check_mailbox("{}", null, null, null, out json), "check_mailbox(mailbox NULL)");
            Throws(SoaStatus.NullArgument, () => Api.DecideEdit(catalog, null, "{}"), "Api.DecideEdit(state null)");
            Throws(SoaStatus.NullArgument, () => Api.WithOverrideJson(catalog, NewRow, null), "Api.WithOverrideJson(origin null)");
        }

        private static void TestNullOut()
        {
            Equal(SoaStatus.NullArgument, Raw.soa_catalog_builtin(IntPtr.Zero), "soa_catalog_builtin(out NULL)");
            Contains(Api.LastError(), "`out`", "the message names the parameter");
            Equal(SoaStatus.NullArgument, Raw.soa_sync_version_parse(Utf8z("2.5.190.0"), IntPtr.Zero), "soa_sync_version_parse(out NULL)");
        }

        private static void TestInvalidUtf8(SoaCatalogHandle catalog)
        {
            IntPtr json = IntPtr.Zero;
            byte[] bad = new byte[] { (byte)'S', (byte)'M', (byte)'T', (byte)'P', (byte)':', 0xC3, 0x28, (byte)'@', 0 };
            Equal(SoaStatus.InvalidUtf8, Raw.soa_proxy_address_parse(bad, out json), "soa_proxy_address_parse(invalid UTF-8)");
            Equal(IntPtr.Zero, json, "no string is returned on failure");
            string message = Api.LastError();
            Contains(message, "`text`", "the message names the parameter");
            Contains(message, "offset 5", "the message gives the offset");
            byte[] lone = new byte[] { 0xFF, 0xFE, 0 };
            Equal(SoaStatus.InvalidUtf8, Raw.soa_catalog_lookup(catalog.DangerousGetHandle(), lone, out json), "soa_catalog_lookup(invalid UTF-8)");
            Equal(SoaStatus.InvalidUtf8, Raw.soa_master(catalog.DangerousGetHandle(), Utf8z(Synced), lone, out json), "soa_master(invalid UTF-8)");
            Contains(Api.LastError(), "`attribute`", "the message names the parameter");
        }

        // --- model -----------------------------------------------------------------------------

        private static void TestProxyAddress()
        {
            string primary = Api.ParseProxyAddress("SMTP:alice@contoso.com");
            Use("soa_proxy_address_parse");
            Contains(primary, "\"primary\":true", "SMTP: is primary");
            Contains(primary, "\"is_smtp\":true", "SMTP: is SMTP");
            Contains(primary, "\"address\":\"alice@contoso.com\"", "the address part");
            Contains(primary, "\"text\":\"SMTP:alice@contoso.com\"", "the text round-trips");
            Contains(Api.ParseProxyAddress("smtp:alice@contoso.com"), "\"primary\":false", "smtp: is secondary");
            Contains(Api.ParseProxyAddress("X500:/o=Contoso/ou=Exchange/cn=Recipients/cn=Jürgen"), "cn=Jürgen",
                "a non-ASCII X500 address round-trips");
        }

        private static void TestProxyAddressInvalid()
        {
            SoaException e = Throws(SoaStatus.InvalidProxyAddress, () => Api.ParseProxyAddress("no prefix here"), "an address without a prefix");
            True(e.IsInvalidInput, "a malformed address is an input error");
            Contains(e.Message, "no prefix here", "the message names the input");
            Throws(SoaStatus.InvalidProxyAddress, () => Api.ParseProxyAddress("SMTP:not-an-address"), "a malformed SMTP address");
        }

        private static void TestProxyAddressSet()
        {
            string set = Api.ParseProxyAddresses("[\"SMTP:alice@contoso.com\",\"smtp:alice@fabrikam.com\",\"X500:/o=Contoso/cn=alice\"]");
            Use("soa_proxy_addresses_parse");
            Contains(set, "\"primary_smtp\":\"alice@contoso.com\"", "the primary SMTP address");
            Equal(3, Count(set, "\"prefix\":"), "addresses in the set");
            Throws(SoaStatus.InvalidProxyAddress, () => Api.ParseProxyAddresses("[\"SMTP:a@contoso.com\",\"SMTP:b@contoso.com\"]"), "two primaries");
            Throws(SoaStatus.InvalidProxyAddress, () => Api.ParseProxyAddresses("[\"smtp:a@contoso.com\"]"), "no primary");
            Throws(SoaStatus.InvalidProxyAddress, () => Api.ParseProxyAddresses("[\"SMTP:a@contoso.com\",\"smtp:A@CONTOSO.COM\"]"), "a duplicate");
            Throws(SoaStatus.InvalidJson, () => Api.ParseProxyAddresses("[\"SMTP:a@contoso.com\""), "truncated JSON");
            Throws(SoaStatus.InvalidJson, () => Api.ParseProxyAddresses("{\"a\":1}"), "not an array");
        }

        private static void TestSmtpAddress()
        {
            string smtp = Api.ParseSmtpAddress("alice@contoso.com");
            Use("soa_smtp_address_parse");
            Contains(smtp, "\"local_part\":\"alice\"", "local part");
            Contains(smtp, "\"domain\":\"contoso.com\"", "domain");
            SoaException e = Throws(SoaStatus.InvalidSmtpAddress, () => Api.ParseSmtpAddress("alice.contoso.com"), "no @");
            Contains(e.Message, "alice.contoso.com", "the message names the input");
            Throws(SoaStatus.InvalidSmtpAddress, () => Api.ParseSmtpAddress(""), "empty");
        }

        private static void TestSyncVersionParse()
        {
            Equal("2.5.190.0", Api.ParseSyncVersion(" 2.5.190.0 "), "normal form");
            Use("soa_sync_version_parse");
            foreach (string bad in new string[] { "2.5", "2.5.190.0.1", "v2.5.190.0", "2.5.-1.0", "", "4294967296.0.0.0" })
            {
                string input = bad;
                Throws(SoaStatus.InvalidVersion, () => Api.ParseSyncVersion(input), "version \"" + input + "\"");
            }
        }

        private static void TestSyncVersionCompare()
        {
            Equal(-1, Api.CompareSyncVersions("2.5.79.0", "2.5.190.0"), "numeric, not textual, order");
            Use("soa_sync_version_compare");
            Equal(0, Api.CompareSyncVersions("2.5.190.0", " 2.5.190.0"), "equal");
            Equal(1, Api.CompareSyncVersions("1.1.1107.0", "1.1.999.9"), "greater");
            int result = 7;
            Equal(SoaStatus.InvalidVersion, Native.soa_sync_version_compare("2.5.190.0", "latest", out result), "a bad version");
            Equal(7, result, "the out-parameter is untouched on failure");
            Contains(Api.LastError(), "latest", "the message names the input");
        }

        private static void TestRecipientType()
        {
            string user = Api.ParseRecipientType("usermailbox");
            Use("soa_recipient_type_parse");
            Contains(user, "\"name\":\"UserMailbox\"", "canonical name");
            Contains(user, "\"eligible\":true", "a user mailbox is eligible");
            Contains(user, "\"ineligibility_reason\":null", "no reason");
            string mailUser = Api.ParseRecipientType("MailUser");
            Contains(mailUser, "\"eligible\":false", "a mail user is not eligible");
            True(mailUser.IndexOf("\"ineligibility_reason\":\"", StringComparison.Ordinal) >= 0, "a mail user has a reason: " + mailUser);
            Throws(SoaStatus.InvalidRecipientType, () => Api.ParseRecipientType(""), "an empty recipient type");
        }

        // --- preflight -------------------------------------------------------------------------

        private static void TestPreflightOrganization()
        {
            string unknown = Api.CheckOrganization("{}", 0);
            Use("soa_preflight_check_organization");
            Contains(unknown, "\"code\":\"connect_sync_version_unknown\"", "no version supplied");
            string tooOld = Api.CheckOrganization(
                "{\"sync\":{\"connect_sync_version\":\"2.5.79.0\",\"writeback_wanted\":true},\"caller\":{\"name\":\"admin@contoso.com\",\"roles\":[]}}", 10);
            Contains(tooOld, "\"code\":\"connect_sync_too_old\"", "Connect Sync 2.5.79.0");
            Contains(tooOld, "\"code\":\"cloud_sync_agent_missing\"", "writeback without an agent");
            Contains(tooOld, "\"code\":\"missing_role\"", "a caller without a role");
            Contains(tooOld, "\"severity\":\"block\"", "blocking findings");
            string ok = Api.CheckOrganization(
                "{\"sync\":{\"connect_sync_version\":\"2.5.190.0\"},\"caller\":{\"roles\":[\"Exchange Administrator\"]}}", ulong.MaxValue);
            Equal("{\"findings\":[]}", ok, "a ready organization (and the largest planned count)");
            Throws(SoaStatus.InvalidJson, () => Api.CheckOrganization("{\"sync\":{\"connect_sync_version\":\"2.5\"}}", 1), "a bad version inside the JSON");
        }

        private const string Mailbox =
            "{\"UserPrincipalName\":\"alice@contoso.com\",\"RecipientTypeDetails\":\"UserMailbox\","
            + "\"IsDirSynced\":true,\"IsExchangeCloudManaged\":false,\"WhenChangedUTC\":\"2026-01-01T00:00:00Z\"}";

        private static void TestPreflightMailbox()
        {
            string recent = Api.CheckMailbox("{}", Mailbox, null, "2026-01-01T12:00:00Z");
            Use("soa_preflight_check_mailbox");
            Contains(recent, "\"code\":\"recent_on_premises_change\"", "changed 12 hours ago");
            Contains(recent, "\"subject\":\"alice@contoso.com\"", "the subject is the UPN");
            Equal("{\"findings\":[]}", Api.CheckMailbox("{}", Mailbox, null, "2026-01-03T00:00:00Z"), "changed 2 days ago");
            string adChanged = Api.CheckMailbox("{}", Mailbox, "2026-01-02T23:00:00Z", "2026-01-03T00:00:00Z");
            Contains(adChanged, "\"code\":\"recent_on_premises_change\"", "AD's whenChanged wins");
            Equal("{\"findings\":[]}", Api.CheckMailbox("{}", Mailbox, null, null), "now is the current time");
            string shared = Api.CheckMailbox("{}",
                "{\"Alias\":\"room1\",\"RecipientTypeDetails\":\"MailUser\",\"IsDirSynced\":\"True\",\"IsExchangeCloudManaged\":\"True\"}",
                null, "2026-01-03T00:00:00Z");
            Contains(shared, "\"code\":\"ineligible_recipient_type\"", "a mail user");
            Contains(shared, "\"code\":\"already_cloud_managed\"", "already cloud-managed");
            Contains(shared, "\"code\":\"last_change_unknown\"", "no change time");
            SoaException e = Throws(SoaStatus.InvalidJson,
                () => Api.CheckMailbox("{}", "{\"IsDirSynced\":\"perhaps\"}", null, null), "a Boolean that is not one");
            Contains(e.Message, "perhaps", "the message names the value");
            Throws(SoaStatus.InvalidJson, () => Api.CheckMailbox("{}", "{\"Alias\":", null, null), "truncated mailbox JSON");
        }

        private static void TestPreflightBadTime()
        {
            SoaException e = Throws(SoaStatus.InvalidInput, () => Api.CheckMailbox("{}", Mailbox, null, "yesterday"), "now = yesterday");
            Contains(e.Message, "yesterday", "the message names the input");
            Throws(SoaStatus.InvalidInput, () => Api.CheckMailbox("{}", Mailbox, "2026-13-01T00:00:00Z", null), "a bad whenChanged");
        }

        // --- errors, panics, handles -----------------------------------------------------------

        private static void TestLastError()
        {
            Api.ParseSyncVersion("1.2.3.4");
            True(Native.soa_last_error() == IntPtr.Zero, "soa_last_error is not NULL after a success");
            Use("soa_last_error");
            Equal(null, Api.LastError(), "Api.LastError after a success");
            int result;
            Equal(SoaStatus.InvalidVersion, Native.soa_sync_version_compare("x", "1.0.0.0", out result), "a failure");
            string first = Api.LastError();
            string second = Api.LastError();
            Contains(first, "\"x\"", "the message names the input");
            Equal(first, second, "reading the last error does not clear it");
            Api.ParseSyncVersion("1.2.3.4");
            Equal(null, Api.LastError(), "a later success clears it");
        }

        private static void TestLastErrorPerThread()
        {
            int result;
            Equal(SoaStatus.InvalidVersion, Native.soa_sync_version_compare("main-thread", "1.0.0.0", out result), "a failure on this thread");
            string other = "not run";
            Thread thread = new Thread(() =>
            {
                other = Api.LastError();
                int r;
                Native.soa_sync_version_compare("other-thread", "1.0.0.0", out r);
            });
            thread.Start();
            thread.Join();
            Equal(null, other, "another thread has no last error");
            Contains(Api.LastError(), "main-thread", "this thread's message is untouched by the other thread");
        }

        private static void TestPanic()
        {
            Equal(SoaStatus.Panic, Native.soa_debug_panic(), "soa_debug_panic");
            Use("soa_debug_panic");
            string message = Api.LastError();
            Contains(message, "panic", "the message says panic");
            Contains(message, "soa_debug_panic was called", "the message carries the payload");
            SoaException e = Throws(SoaStatus.Panic, Api.DebugPanic, "Api.DebugPanic");
            True(!e.IsInvalidInput, "a panic is not an input error");
            // The process is alive and the library still works.
            Equal("2.5.190.0", Api.ParseSyncVersion("2.5.190.0"), "a call after the panic");
            using (SoaCatalogHandle catalog = Api.BuiltinCatalog())
            {
                True(Api.CatalogLength(catalog) > 0, "a catalog after the panic");
            }
        }

        private static void TestDisposeTwice()
        {
            SoaCatalogHandle catalog = Api.BuiltinCatalog();
            True(Api.CatalogLength(catalog) > 0, "a fresh catalog works");
            catalog.Dispose();
            catalog.Dispose();
            catalog.Close();
            True(catalog.IsClosed, "the handle is closed");
            try
            {
                Api.CatalogLength(catalog);
                throw new TestFailure("a disposed handle was used");
            }
            catch (ObjectDisposedException)
            {
            }
            try
            {
                UIntPtr count;
                Native.soa_catalog_len(catalog, out count);
                throw new TestFailure("the marshaller passed a disposed handle");
            }
            catch (ObjectDisposedException)
            {
            }
            // Handles left to the finalizer are released too.
            for (int i = 0; i < 100; i++)
            {
                Api.BuiltinCatalog();
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        private static void TestFreeNull()
        {
            Native.soa_string_free(IntPtr.Zero);
            Use("soa_string_free");
            Native.soa_catalog_free(IntPtr.Zero);
            Use("soa_catalog_free");
            // An owned string from the library, released by hand.
            IntPtr json = IntPtr.Zero;
            Equal(SoaStatus.Ok, Native.soa_smtp_address_parse("bob@contoso.com", out json), "soa_smtp_address_parse");
            True(json != IntPtr.Zero, "a string was returned");
            Contains(Api.PtrToStringUtf8(json), "bob", "the string");
            Native.soa_string_free(json);
            // A catalog released by hand, without a SafeHandle.
            IntPtr raw;
            Equal(SoaStatus.Ok, Native.soa_catalog_builtin(out raw), "soa_catalog_builtin");
            True(raw != IntPtr.Zero, "a handle was returned");
            Native.soa_catalog_free(raw);
            Equal(null, Api.TakeString(IntPtr.Zero), "TakeString(NULL)");
        }

        private static void TestUtf8Helper()
        {
            string text = "Jürgen € 😀 ";
            byte[] bytes = Utf8z(text);
            IntPtr buffer = Marshal.AllocHGlobal(bytes.Length);
            try
            {
                Marshal.Copy(bytes, 0, buffer, bytes.Length);
                Equal(text, Api.PtrToStringUtf8(buffer), "decoded text");
                Marshal.WriteByte(buffer, 0, 0);
                Equal(string.Empty, Api.PtrToStringUtf8(buffer), "an empty string");
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
            Equal(null, Api.PtrToStringUtf8(IntPtr.Zero), "NULL");
        }

        private static void TestNativeLoader()
        {
            try
            {
                NativeLoader.UseLibrary(null);
                throw new TestFailure("UseLibrary(null) did not throw");
            }
            catch (ArgumentNullException)
            {
            }
            bool hasNativeLibrary = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false) != null;
            bool windows = Environment.OSVersion.Platform == PlatformID.Win32NT;
            string path = Path.Combine(Path.GetTempPath(), "no-such-dir", "libsoa_ffi.so");
            if (windows && !hasNativeLibrary)
            {
                // .NET Framework on Windows loads the DLL at once: a missing one fails here.
                try
                {
                    NativeLoader.UseLibrary(path);
                    throw new TestFailure("UseLibrary of a missing DLL did not throw");
                }
                catch (DllNotFoundException)
                {
                }
                return;
            }
            Equal(hasNativeLibrary, NativeLoader.UseLibrary(path), "bound by path where NativeLibrary exists; the usual search elsewhere off Windows");
            Equal(path, NativeLoader.LibraryPath, "the path is kept");
            // The library is already bound, so the path no longer matters.
            Equal("2.5.190.0", Api.ParseSyncVersion("2.5.190.0"), "a call after UseLibrary");
        }

        // --- simulated organization ------------------------------------------------------------

        private const string AliceJson =
            "{\"user_principal_name\":\"alice@contoso.com\",\"attributes\":{\"displayName\":\"Alice\",\"extensionAttribute1\":\"Sales\"},"
            + "\"remote_mailbox\":\"RemoteUserMailbox\"}";

        private const string AgentJson =
            "{\"version\":\"1.1.1107.0\",\"writeback_enabled\":true,\"mail_writeback\":true,\"capacity\":600000}";

        private const string SetCloudValue = "{\"set\":{\"CustomAttribute1\":\"Cloud\"}}";

        // The integer value of "key": in a flat JSON object.
        private static long JsonInt(string json, string key)
        {
            Match m = Regex.Match(json, "\"" + Regex.Escape(key) + "\":(-?[0-9]+)");
            True(m.Success, "no integer \"" + key + "\" in " + json);
            return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        // An organization with alice provisioned on-premises, synced and licensed: a dir-synced
        // user mailbox whose Exchange attributes are mastered in AD.
        private static SoaSimHandle SyncedOrg()
        {
            SoaSimHandle sim = Api.NewSim("contoso.com");
            Api.AddAdUser(sim, AliceJson);
            Api.SyncCycle(sim);
            Api.AssignLicense(sim, "alice@contoso.com");
            return sim;
        }

        // SyncedOrg with alice flipped to cloud management and CustomAttribute1 edited in the cloud.
        private static SoaSimHandle FlippedOrg()
        {
            SoaSimHandle sim = SyncedOrg();
            Via.SetCloudManaged(sim, "alice@contoso.com", true);
            Via.SetMailbox(sim, "alice@contoso.com", SetCloudValue);
            return sim;
        }

        // Reads a whole listing through a pager; checks the page sizes and returns the mailboxes'
        // JSON objects' ExternalDirectoryObjectIds, in order.
        private static List<string> ReadListing(SoaSimHandle sim, string filterJson, uint pageSize)
        {
            List<string> ids = new List<string>();
            uint effective = Math.Max(pageSize, 1u);
            using (SoaMailboxPagerHandle pager = Via.ListMailboxes(sim, filterJson))
            {
                for (int pages = 0; ; pages++)
                {
                    True(pages < 100000, "the pager never ends");
                    string page = Api.NextMailboxPage(pager, pageSize);
                    True(page.StartsWith("[", StringComparison.Ordinal) && page.EndsWith("]", StringComparison.Ordinal),
                        "a page is not a JSON array: " + page);
                    if (page == "[]")
                    {
                        Equal("[]", Api.NextMailboxPage(pager, pageSize), "the page after the last");
                        return ids;
                    }
                    MatchCollection found = Regex.Matches(page, "\"ExternalDirectoryObjectId\":\"([^\"]+)\"");
                    True(found.Count >= 1 && found.Count <= effective,
                        "a page holds " + found.Count + " mailboxes for a page size of " + pageSize);
                    Equal(found.Count, Count(page, "\"RecipientTypeDetails\":"), "mailboxes in a page");
                    foreach (Match m in found)
                    {
                        ids.Add(m.Groups[1].Value);
                    }
                }
            }
        }

        private static void TestSimNew()
        {
            using (SoaSimHandle sim = Api.NewSim("contoso.com"))
            {
                Use("soa_sim_new");
                True(!sim.IsInvalid && !sim.IsClosed, "the new handle is invalid");
                Equal("{\"ad_users\":0,\"cloud_users\":0,\"mailboxes\":0,\"dir_synced_mailboxes\":0,\"cloud_managed_mailboxes\":0,"
                    + "\"identity_only_users\":0,\"sync_errors\":0}", Api.SimSummary(sim), "summary of an empty organization");
                Use("soa_sim_summary");
                Equal("2026-11-27T00:00:00+00:00", Api.SimNow(sim), "the clock starts at the epoch");
                Use("soa_sim_now");
                Equal("{\"Name\":\"contoso.com\",\"BlockExchangeProvisioningFromOnPremEnabled\":false}",
                    Via.GetOrganizationConfig(sim), "Get-OrganizationConfig");
                Use("soa_backend_get_organization_config");
                Equal("[]", Api.SyncErrors(sim), "no sync errors");
                Use("soa_sim_sync_errors");
                Equal("[]", Via.SearchAdminAuditLog(sim, "{}"), "an empty audit log");
                Use("soa_backend_search_admin_audit_log");
            }
            using (SoaSimHandle sim = Api.NewSim("jürgen-€.example"))
            {
                Contains(Via.GetOrganizationConfig(sim), "\"Name\":\"jürgen-€.example\"", "a non-ASCII tenant round-trips");
            }
        }

        private static void TestSimFlipScenario()
        {
            using (SoaSimHandle sim = Api.NewSim("contoso.com"))
            {
                // Provisioned on-premises: New-ADUser + New-RemoteMailbox.
                string guid = Api.AddAdUser(sim, AliceJson);
                Use("soa_sim_add_ad_user");
                Guid parsed;
                True(Guid.TryParse(guid, out parsed), "add_ad_user returns an objectGUID: " + guid);
                string ad = Api.AdAttributes(sim, "alice@contoso.com");
                Use("soa_sim_ad_attributes");
                Contains(ad, "\"msExchRecipientTypeDetails\":\"RemoteUserMailbox\"", "New-RemoteMailbox sets the recipient type");
                Contains(ad, "\"proxyAddresses\":[\"SMTP:alice@contoso.com\"", "New-RemoteMailbox sets the primary address");
                Contains(ad, "\"extensionAttribute1\":\"Sales\"", "AD attributes are keyed by LDAP name");
                Equal(ad, Api.AdAttributes(sim, guid), "the account found by objectGUID");
                Throws(SoaStatus.NotFound, () => Via.GetUser(sim, "alice@contoso.com"), "Get-User before the first sync");
                Use("soa_backend_get_user");

                // Sync: the user arrives as a mail user; a license makes it a mailbox.
                string report = Api.SyncCycle(sim);
                Use("soa_sim_sync_cycle");
                Contains(report, "\"created\":[\"alice@contoso.com\"]", "the sync report lists the new user");
                string user = Via.GetUser(sim, "alice@contoso.com");
                Contains(user, "\"IsDirSynced\":true", "Get-User");
                Contains(user, "\"DisplayName\":\"Alice\"", "Get-User");
                Throws(SoaStatus.NotFound, () => Via.GetMailbox(sim, "alice@contoso.com"), "Get-Mailbox of an unlicensed mail user");
                Api.AssignLicense(sim, "alice@contoso.com");
                Use("soa_sim_assign_license");
                string mailbox = Via.GetMailbox(sim, "alice@contoso.com");
                Use("soa_backend_get_mailbox");
                Contains(mailbox, "\"RecipientTypeDetails\":\"UserMailbox\"", "licensed");
                Contains(mailbox, "\"IsDirSynced\":true", "dir-synced");
                Contains(mailbox, "\"IsExchangeCloudManaged\":false", "not yet cloud-managed");
                Contains(mailbox, "\"CustomAttribute1\":\"Sales\"", "the AD value synced");

                // Before the flip Exchange Online refuses the edit: the write-scope error.
                SoaException refused = Throws(SoaStatus.OutOfWriteScope,
                    () => Via.SetMailbox(sim, "alice@contoso.com", SetCloudValue), "a cloud edit before the flip");
                Use("soa_backend_set_mailbox");
                Contains(refused.Message, "write scope", "the service's message");
                Contains(Via.GetMailbox(sim, "alice@contoso.com"), "\"CustomAttribute1\":\"Sales\"", "a refused edit changes nothing");

                // The flip, then the cloud edit.
                Via.SetCloudManaged(sim, "alice@contoso.com", true);
                Use("soa_backend_set_cloud_managed");
                Contains(Via.GetMailbox(sim, "alice@contoso.com"), "\"IsExchangeCloudManaged\":true", "flipped");
                Via.SetCloudManaged(sim, "alice@contoso.com", true);
                Via.SetMailbox(sim, "alice@contoso.com",
                    "{\"set\":{\"CustomAttribute1\":\"Cloud\"},\"add\":{\"EmailAddresses\":[\"smtp:al@contoso.com\"]}}");
                Equal(1L, JsonInt(Api.SimSummary(sim), "cloud_managed_mailboxes"), "cloud-managed mailboxes");

                // An on-premises edit and a sync cycle: the cloud value stays.
                Api.SetAdAttributes(sim, "alice@contoso.com", "{\"extensionAttribute1\":\"AD edit\",\"displayName\":\"Alice Smith\"}");
                Use("soa_sim_set_ad_attributes");
                Contains(Api.AdAttributes(sim, "alice@contoso.com"), "\"extensionAttribute1\":\"AD edit\"", "the AD edit");
                report = Api.SyncCycle(sim);
                Contains(report, "\"blocked\":[\"alice@contoso.com\"]", "the on-premises Exchange change is not exported");
                Contains(report, "\"overwritten\":[]", "nothing overwritten");
                mailbox = Via.GetMailbox(sim, "alice@contoso.com");
                Contains(mailbox, "\"CustomAttribute1\":\"Cloud\"", "sync keeps the cloud value");
                Contains(mailbox, "\"smtp:al@contoso.com\"", "sync keeps the added address");
                Contains(Via.GetUser(sim, "alice@contoso.com"), "\"DisplayName\":\"Alice Smith\"", "identity attributes still sync");

                // Rollback: the next sync overwrites the cloud edit with AD's value.
                Via.SetCloudManaged(sim, "alice@contoso.com", false);
                report = Api.SyncCycle(sim);
                Contains(report, "[\"alice@contoso.com\",\"CustomAttribute1\"]", "the overwritten value is reported");
                Contains(Via.GetMailbox(sim, "alice@contoso.com"), "\"CustomAttribute1\":\"AD edit\"", "AD wins after a rollback");
            }
        }

        private static void TestSimWriteback()
        {
            using (SoaSimHandle sim = FlippedOrg())
            {
                string report = Api.WritebackCycle(sim);
                Use("soa_sim_writeback_cycle");
                Contains(report, "\"ran\":false", "no Cloud Sync agent, no writeback");
                True(report.IndexOf("\"reason\":\"", StringComparison.Ordinal) >= 0, "the reason is given: " + report);
                Api.SetCloudSyncAgent(sim, AgentJson);
                Use("soa_sim_set_cloud_sync_agent");
                report = Api.WritebackCycle(sim);
                Contains(report, "\"ran\":true", "writeback with an agent");
                Contains(report, "[\"alice@contoso.com\",\"extensionAttribute1\"]", "the written value is reported");
                Contains(Api.AdAttributes(sim, "alice@contoso.com"), "\"extensionAttribute1\":\"Cloud\"", "the cloud value reached AD");
                Api.SetCloudSyncAgent(sim, null);
                Contains(Api.WritebackCycle(sim), "\"ran\":false", "the agent was removed");
                Api.SetCloudSyncAgent(sim, AgentJson.Replace("1.1.1107.0", "1.1.1000.0"));
                Contains(Api.WritebackCycle(sim), "\"ran\":false", "an agent too old for writeback");
                // Fields left out take the defaults (writeback on, GA capacity); a malformed one is refused.
                Api.SetCloudSyncAgent(sim, "{\"version\":\"1.1.1107.0\"}");
                Contains(Api.WritebackCycle(sim), "\"ran\":true", "an agent with default settings");
                Throws(SoaStatus.InvalidJson, () => Api.SetCloudSyncAgent(sim, "{\"version\":[1,1]}"), "a malformed agent");
                Throws(SoaStatus.InvalidJson, () => Api.SetCloudSyncAgent(sim, AgentJson.Replace("1.1.1107.0", "latest")), "a bad agent version");
            }
        }

        private static void TestSimAuditAndRoles()
        {
            using (SoaSimHandle sim = FlippedOrg())
            {
                string flips = Via.SearchAdminAuditLog(sim, "{\"parameter\":\"isexchangecloudmanaged\"}");
                Equal(1, Count(flips, "\"cmdlet\":"), "one record of the flip: " + flips);
                Contains(flips, "\"object\":\"alice@contoso.com\"", "the flipped mailbox");
                Contains(flips, "\"caller\":\"admin@contoso.com\"", "who flipped it");
                Contains(flips, "\"old_values\":{\"IsExchangeCloudManaged\":false}", "the old value");
                Equal(2, Count(Via.SearchAdminAuditLog(sim, "{}"), "\"cmdlet\":"), "the flip and the edit");
                Equal("[]", Via.SearchAdminAuditLog(sim, "{\"caller\":\"nobody@contoso.com\"}"), "another caller");
                Equal("[]", Via.SearchAdminAuditLog(sim, "{\"start\":\"2030-01-01T00:00:00Z\"}"), "a later start");
                Throws(SoaStatus.InvalidJson, () => Via.SearchAdminAuditLog(sim, "{\"start\":\"yesterday\"}"), "a bad time");

                string grants = Via.RoleAssignments(sim, "Set-Mailbox", "IsExchangeCloudManaged");
                Use("soa_backend_role_assignments");
                Contains(grants, "{\"role\":\"Exchange Administrator\",\"assignee\":\"admin@contoso.com\"}", "the default administrator");
                Api.AddPrincipal(sim, "helpdesk@contoso.com", "[\"Recipient Management\"]");
                Use("soa_sim_add_principal");
                Contains(Via.RoleAssignments(sim, "Set-Mailbox", "CustomAttribute1"),
                    "{\"role\":\"Recipient Management\",\"assignee\":\"helpdesk@contoso.com\"}", "the added principal");
                True(Via.RoleAssignments(sim, "Set-OrganizationConfig", "ExchangeAttributesCloudManagedByDefault")
                    .IndexOf("helpdesk", StringComparison.Ordinal) < 0, "Recipient Management does not grant Set-OrganizationConfig");
                Throws(SoaStatus.InvalidJson, () => Api.AddPrincipal(sim, "x@contoso.com", "\"Recipient Management\""), "roles not in an array");
            }
        }

        private static void TestSimRbacDenied()
        {
            using (SoaSimHandle sim = FlippedOrg())
            using (SoaSimHandle nobody = Api.SimAsPrincipal(sim, "nobody@contoso.com"))
            {
                Use("soa_sim_as_principal");
                SoaException e = Throws(SoaStatus.AccessDenied, () => Via.GetMailbox(nobody, "alice@contoso.com"), "Get-Mailbox");
                Contains(e.Message, "nobody@contoso.com", "the message names the principal");
                Throws(SoaStatus.AccessDenied, () => Via.SetCloudManaged(nobody, "alice@contoso.com", false), "Set-Mailbox -IsExchangeCloudManaged");
                Throws(SoaStatus.AccessDenied, () => Via.SetMailbox(nobody, "alice@contoso.com", SetCloudValue), "Set-Mailbox");
                Throws(SoaStatus.AccessDenied, () => Via.GetUser(nobody, "alice@contoso.com"), "Get-User");
                Throws(SoaStatus.AccessDenied, () =>
                {
                    using (SoaMailboxPagerHandle pager = Via.ListMailboxes(nobody, "{}"))
                    {
                        Api.NextMailboxPage(pager, 1);
                    }
                }, "listing mailboxes: at the first page");
                Throws(SoaStatus.AccessDenied, () => Via.GetOrganizationConfig(nobody), "Get-OrganizationConfig");
                Throws(SoaStatus.AccessDenied, () => Via.SetCloudManagedByDefault(nobody, true), "Set-OrganizationConfig");
                Throws(SoaStatus.AccessDenied, () => Via.SearchAdminAuditLog(nobody, "{}"), "Search-AdminAuditLog");
                Throws(SoaStatus.AccessDenied, () => Via.RoleAssignments(nobody, "Set-Mailbox", "Identity"), "role assignments");
                // One organization behind both handles; the denied calls changed nothing.
                Equal(Api.SimSummary(sim), Api.SimSummary(nobody), "the handles share the organization");
                Contains(Via.GetMailbox(sim, "alice@contoso.com"), "\"IsExchangeCloudManaged\":true", "still cloud-managed");
                Equal(2, Count(Via.SearchAdminAuditLog(sim, "{}"), "\"cmdlet\":"), "denied calls are not audited as changes");
            }
            // The organization lives while any handle does.
            SoaSimHandle survivor;
            using (SoaSimHandle sim = SyncedOrg())
            {
                survivor = Api.SimAsPrincipal(sim, "admin@contoso.com");
            }
            using (survivor)
            {
                Contains(Via.GetMailbox(survivor, "alice@contoso.com"), "\"UserPrincipalName\":\"alice@contoso.com\"", "after the first handle is gone");
            }
        }

        private static void TestSimReadOnlyPrincipal()
        {
            using (SoaSimHandle sim = SyncedOrg())
            {
                Api.AddPrincipal(sim, "auditor@contoso.com", "[\"View-Only Organization Management\"]");
                using (SoaSimHandle auditor = Api.SimAsPrincipal(sim, "auditor@contoso.com"))
                {
                    Contains(Via.GetMailbox(auditor, "alice@contoso.com"), "\"Alias\":\"alice\"", "a read-only role reads");
                    Equal("[]", Via.SearchAdminAuditLog(auditor, "{}"), "a read-only role searches the audit log");
                    Throws(SoaStatus.AccessDenied, () => Via.SetCloudManaged(auditor, "alice@contoso.com", true), "a read-only role flips");
                    Api.AddPrincipal(sim, "auditor@contoso.com", "[\"Organization Management\"]");
                    Via.SetCloudManaged(auditor, "alice@contoso.com", true);
                    Contains(Via.SearchAdminAuditLog(sim, "{\"caller\":\"AUDITOR@contoso.com\"}"), "\"object\":\"alice@contoso.com\"",
                        "the replaced principal's roles apply at once, and the audit names the caller");
                }
            }
        }

        private static void TestSimPager()
        {
            using (SoaSimHandle sim = Api.GenerateSim(300, 42))
            {
                Use("soa_sim_generate");
                string summary = Api.SimSummary(sim);
                long mailboxes = JsonInt(summary, "mailboxes");
                True(mailboxes >= 100, "a generated organization of 300 has " + mailboxes + " mailboxes");
                List<string> ids = ReadListing(sim, "{}", 7);
                Use("soa_backend_list_mailboxes");
                Use("soa_mailbox_pager_next");
                Equal(mailboxes, (long)ids.Count, "mailboxes listed");
                Equal(ids.Count, new HashSet<string>(ids).Count, "no mailbox is listed twice");
                List<string> big = ReadListing(sim, "{}", 100000);
                Equal(string.Join(",", ids.ToArray()), string.Join(",", big.ToArray()), "the order does not depend on the page size");
                using (SoaSimHandle same = Api.GenerateSim(300, 42))
                {
                    Equal(summary, Api.SimSummary(same), "the same seed gives the same organization");
                }
            }
        }

        private static void TestSimPagerFilters()
        {
            using (SoaSimHandle sim = Api.GenerateSim(200, 7))
            {
                string summary = Api.SimSummary(sim);
                Equal(JsonInt(summary, "dir_synced_mailboxes"), (long)ReadListing(sim, "{\"dir_synced\":true}", 50).Count, "dir-synced");
                Equal(JsonInt(summary, "cloud_managed_mailboxes"),
                    (long)ReadListing(sim, "{\"dir_synced\":true,\"cloud_managed\":true}", 50).Count, "cloud-managed");
                Equal(JsonInt(summary, "mailboxes") - JsonInt(summary, "dir_synced_mailboxes"),
                    (long)ReadListing(sim, "{\"dir_synced\":false}", 50).Count, "cloud-only");
                int shared = 0;
                using (SoaMailboxPagerHandle pager = Via.ListMailboxes(sim, "{}"))
                {
                    string page;
                    while ((page = Api.NextMailboxPage(pager, 1000)) != "[]")
                    {
                        shared += Count(page, "\"RecipientTypeDetails\":\"SharedMailbox\"");
                    }
                }
                Equal(shared, ReadListing(sim, "{\"recipient_types\":[\"SharedMailbox\"]}", 3).Count, "shared mailboxes");
                Equal(ReadListing(sim, "{}", 1).Count, ReadListing(sim, "{}", 0).Count, "a page size of 0 counts as 1");
                Throws(SoaStatus.InvalidJson, () => Via.ListMailboxes(sim, "{\"dir_synced\":\"perhaps\"}"), "a bad filter");
                Throws(SoaStatus.InvalidInput, () => Via.ListMailboxes(sim, "[]"), "a filter that is not one object");
            }
        }

        private static void TestSimPagerLifetime()
        {
            SoaMailboxPagerHandle pager;
            using (SoaSimHandle sim = SyncedOrg())
            {
                pager = Via.ListMailboxes(sim, "{}");
            }
            Contains(Api.NextMailboxPage(pager, 10), "\"UserPrincipalName\":\"alice@contoso.com\"", "a page after the organization handle is gone");
            Equal("[]", Api.NextMailboxPage(pager, 10), "the end");
            pager.Dispose();
            pager.Dispose();
            True(pager.IsClosed, "the pager is closed");
            try
            {
                Api.NextMailboxPage(pager, 10);
                throw new TestFailure("a disposed pager was used");
            }
            catch (ObjectDisposedException)
            {
            }
            // Pagers and organizations left to the finalizer are released too.
            using (SoaSimHandle sim = SyncedOrg())
            {
                for (int i = 0; i < 50; i++)
                {
                    Via.ListMailboxes(sim, "{}");
                    Api.SimAsPrincipal(sim, "x" + i + "@contoso.com");
                }
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        private static void TestSimSnapshot()
        {
            string dir = Path.Combine(Path.GetTempPath(), "soa-csharp-sim-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string path = Path.Combine(dir, "snapshot Jürgen.json");
                using (SoaSimHandle sim = FlippedOrg())
                {
                    Api.SetCloudSyncAgent(sim, AgentJson);
                    Api.Advance(sim, 45);
                    Api.SaveSim(sim, path);
                    Use("soa_sim_save");
                    True(File.Exists(path), "the snapshot file exists");
                    Equal(1, Directory.GetFiles(dir).Length, "no temporary file is left behind");
                    using (SoaSimHandle loaded = Api.LoadSim(path))
                    {
                        Use("soa_sim_load");
                        Equal(Api.SimSummary(sim), Api.SimSummary(loaded), "summary");
                        Equal(Api.SimNow(sim), Api.SimNow(loaded), "clock");
                        Equal(Via.GetMailbox(sim, "alice@contoso.com"), Via.GetMailbox(loaded, "alice@contoso.com"), "mailbox");
                        Equal(Api.AdAttributes(sim, "alice@contoso.com"), Api.AdAttributes(loaded, "alice@contoso.com"), "AD account");
                        Equal(Via.SearchAdminAuditLog(sim, "{}"), Via.SearchAdminAuditLog(loaded, "{}"), "audit log");
                        Equal(Api.WritebackCycle(sim), Api.WritebackCycle(loaded), "the Cloud Sync agent came along");
                        // The loaded organization is a copy, not a view.
                        Via.SetMailbox(loaded, "alice@contoso.com", "{\"set\":{\"CustomAttribute2\":\"only in the copy\"}}");
                        True(Via.GetMailbox(sim, "alice@contoso.com").IndexOf("only in the copy", StringComparison.Ordinal) < 0,
                            "an edit of the loaded copy reached the original");
                    }
                    // Saving again replaces the file.
                    Api.SaveSim(sim, path);
                    Equal(1, Directory.GetFiles(dir).Length, "one snapshot file");
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        private static void TestSimSnapshotErrors()
        {
            string dir = Path.Combine(Path.GetTempPath(), "soa-csharp-sim-" + Guid.NewGuid().ToString("N"));
            string missing = Path.Combine(dir, "missing.json");
            SoaException e = Throws(SoaStatus.Io, () => Api.LoadSim(missing), "a missing snapshot");
            Contains(e.Message, "missing.json", "the message names the file");
            using (SoaSimHandle sim = Api.NewSim("contoso.com"))
            {
                Throws(SoaStatus.Io, () => Api.SaveSim(sim, missing), "a snapshot into a missing folder");
            }
            Directory.CreateDirectory(dir);
            try
            {
                string bad = Path.Combine(dir, "bad.json");
                File.WriteAllText(bad, "{\"format\":", new UTF8Encoding(false));
                e = Throws(SoaStatus.InvalidJson, () => Api.LoadSim(bad), "a truncated snapshot");
                Contains(e.Message, "bad.json", "the message names the file");
                File.WriteAllText(bad, "{}", new UTF8Encoding(false));
                Throws(SoaStatus.InvalidJson, () => Api.LoadSim(bad), "an empty object");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        private static void TestSimOldConnectSync()
        {
            using (SoaSimHandle sim = FlippedOrg())
            {
                Api.SetConnectSyncVersion(sim, "2.5.79.0");
                Use("soa_sim_set_connect_sync_version");
                string report = Api.SyncCycle(sim);
                Contains(report, "\"code\":\"ExchangeManagedAttributesUpdateNotAllowed\"", "the export error of an old engine");
                string errors = Api.SyncErrors(sim);
                Equal(1, Count(errors, "\"code\":"), "one sync error: " + errors);
                Contains(errors, "\"object\":\"alice@contoso.com\"", "the cloud-managed user fails");
                Equal(1L, JsonInt(Api.SimSummary(sim), "sync_errors"), "summary");
                Api.SetConnectSyncVersion(sim, " 2.5.190.0 ");
                Contains(Api.SyncCycle(sim), "\"errors\":[]", "an upgraded engine");
                Equal("[]", Api.SyncErrors(sim), "the errors are gone");
                SoaException e = Throws(SoaStatus.InvalidVersion, () => Api.SetConnectSyncVersion(sim, "latest"), "a bad version");
                Contains(e.Message, "latest", "the message names the input");
            }
        }

        private static void TestSimAdvance()
        {
            using (SoaSimHandle sim = Api.NewSim("contoso.com"))
            {
                string reports = Api.Advance(sim, 90);
                Use("soa_sim_advance");
                Equal(3, Count(reports, "\"cycle\":\"sync\""), "sync cycles at 30, 60 and 90 minutes");
                Equal(4, Count(reports, "\"cycle\":\"writeback\""), "writeback cycles at 20, 40, 60 and 80 minutes");
                Equal("2026-11-27T01:30:00+00:00", Api.SimNow(sim), "the clock moved");
                Equal("[]", Api.Advance(sim, 0), "no time, no cycle");
                Equal("[]", Api.Advance(sim, 5), "no cycle due within 5 minutes");
                SoaException e = Throws(SoaStatus.InvalidInput, () => Api.Advance(sim, -1), "a negative advance");
                Contains(e.Message, "-1", "the message names the value");
                Equal("2026-11-27T01:35:00+00:00", Api.SimNow(sim), "a refused advance does not move the clock");
            }
        }

        private static void TestSimCloudOnlyAndRemoval()
        {
            using (SoaSimHandle sim = FlippedOrg())
            {
                string id = Api.AddCloudMailbox(sim, "shared@contoso.com", "SharedMailbox");
                Use("soa_sim_add_cloud_mailbox");
                string shared = Via.GetMailbox(sim, id);
                Contains(shared, "\"RecipientTypeDetails\":\"SharedMailbox\"", "found by ExternalDirectoryObjectId");
                Contains(shared, "\"IsDirSynced\":false", "cloud-only");
                Via.SetMailbox(sim, "shared@contoso.com", "{\"set\":{\"CustomAttribute2\":\"x\"}}");
                Throws(SoaStatus.ExchangeRefused, () => Via.SetCloudManaged(sim, "shared@contoso.com", true), "flipping a cloud-only mailbox");
                Throws(SoaStatus.InvalidInput, () => Api.AddCloudMailbox(sim, "shared@contoso.com", "SharedMailbox"), "a UPN in use");
                Throws(SoaStatus.InvalidRecipientType, () => Api.AddCloudMailbox(sim, "room@contoso.com", ""), "an empty recipient type");

                // The tenant default: a user provisioned on-premises gets no Exchange Online recipient.
                Via.SetCloudManagedByDefault(sim, true);
                Use("soa_backend_set_cloud_managed_by_default");
                Contains(Via.GetOrganizationConfig(sim), "\"BlockExchangeProvisioningFromOnPremEnabled\":true", "the default is on");
                Api.AddAdUser(sim, AliceJson.Replace("alice", "bob"));
                Contains(Api.SyncCycle(sim), "\"identity_only\":[\"bob@contoso.com\"]", "identity-only user");
                Throws(SoaStatus.ExchangeRefused, () => Api.AssignLicense(sim, "bob@contoso.com"), "a license for an identity-only user");
                Via.SetCloudManagedByDefault(sim, false);
                Contains(Via.GetOrganizationConfig(sim), "\"BlockExchangeProvisioningFromOnPremEnabled\":false", "the default is off");

                // Removing the AD account deletes the cloud user, cloud-managed or not.
                Api.RemoveAdUser(sim, "alice@contoso.com");
                Use("soa_sim_remove_ad_user");
                Contains(Api.SyncCycle(sim), "\"deleted\":[\"alice@contoso.com\"]", "the cloud user goes at the next sync");
                Throws(SoaStatus.NotFound, () => Via.GetMailbox(sim, "alice@contoso.com"), "the mailbox is gone");
                Throws(SoaStatus.NotFound, () => Api.RemoveAdUser(sim, "alice@contoso.com"), "removing twice");
                Throws(SoaStatus.NotFound, () => Api.AdAttributes(sim, "alice@contoso.com"), "the AD account is gone");
                Throws(SoaStatus.NotFound, () => Api.AssignLicense(sim, "nobody@contoso.com"), "a license for nobody");
            }
        }

        private static void TestSimBadInput()
        {
            using (SoaSimHandle sim = SyncedOrg())
            {
                Throws(SoaStatus.InvalidInput, () => Api.AddAdUser(sim, "{\"user_principal_name\":\"no-at-sign\"}"), "a UPN without @");
                Throws(SoaStatus.InvalidInput, () => Api.AddAdUser(sim, AliceJson), "a UPN in use");
                Throws(SoaStatus.InvalidJson, () => Api.AddAdUser(sim, "{\"user_principal_name\":"), "truncated JSON");
                Throws(SoaStatus.InvalidInput, () => Api.AddAdUser(sim, "[]"), "an array, not one object");
                SoaException e = Throws(SoaStatus.UnknownAttribute,
                    () => Api.AddAdUser(sim, "{\"user_principal_name\":\"c@contoso.com\",\"attributes\":{\"noSuchAttribute\":\"x\"}}"),
                    "an unknown attribute");
                Contains(e.Message, "noSuchAttribute", "the message names the attribute");
                Throws(SoaStatus.UnknownAttribute, () => Api.SetAdAttributes(sim, "alice@contoso.com", "{\"noSuchAttribute\":\"x\"}"), "an unknown attribute");
                Throws(SoaStatus.NotFound, () => Api.SetAdAttributes(sim, "nobody@contoso.com", "{\"extensionAttribute1\":\"x\"}"), "an unknown account");
                Throws(SoaStatus.InvalidJson, () => Via.SetMailbox(sim, "alice@contoso.com", "{\"set\":[]}"), "changes of the wrong shape");
                Throws(SoaStatus.NotFound, () => Via.SetMailbox(sim, "nobody@contoso.com", "{\"set\":{\"CustomAttribute1\":\"x\"}}"), "an unknown mailbox");
                Throws(SoaStatus.NotFound, () => Via.SetCloudManaged(sim, "nobody@contoso.com", true), "flipping an unknown mailbox");
                using (SoaBackendHandle backend = Api.BackendFromSim(sim))
                {
                    Equal(SoaStatus.InvalidInput, Native.soa_backend_set_cloud_managed(backend, "alice@contoso.com", 2), "a flag of 2");
                    Contains(Api.LastError(), "2 is not 0 or 1", "the message names the value");
                    Equal(SoaStatus.InvalidInput, Native.soa_backend_set_cloud_managed_by_default(backend, -1), "a flag of -1");
                }
                Contains(Via.GetMailbox(sim, "alice@contoso.com"), "\"IsExchangeCloudManaged\":false", "refused calls changed nothing");
            }
        }

        private static void TestSimThreads()
        {
            using (SoaSimHandle sim = FlippedOrg())
            {
                const int threads = 4;
                string[] errors = new string[threads];
                Thread[] workers = new Thread[threads];
                for (int t = 0; t < threads; t++)
                {
                    int index = t;
                    workers[t] = new Thread(() =>
                    {
                        try
                        {
                            using (SoaSimHandle mine = Api.SimAsPrincipal(sim, "admin@contoso.com"))
                            {
                                for (int i = 0; i < 50; i++)
                                {
                                    string value = "t" + index + "-" + i;
                                    Via.SetMailbox(mine, "alice@contoso.com", "{\"set\":{\"CustomAttribute" + (index + 2) + "\":\"" + value + "\"}}");
                                    if (Via.GetMailbox(mine, "alice@contoso.com").IndexOf(value, StringComparison.Ordinal) < 0)
                                    {
                                        errors[index] = "a write was lost: " + value;
                                        return;
                                    }
                                    try
                                    {
                                        Via.GetMailbox(mine, "missing" + index);
                                        errors[index] = "an unknown mailbox was found";
                                        return;
                                    }
                                    catch (SoaException e)
                                    {
                                        if (e.Message.IndexOf("missing" + index, StringComparison.Ordinal) < 0)
                                        {
                                            errors[index] = "another thread's error message: " + e.Message;
                                            return;
                                        }
                                    }
                                }
                            }
                        }
                        catch (Exception e)
                        {
                            errors[index] = e.ToString();
                        }
                    });
                    workers[t].Start();
                }
                foreach (Thread worker in workers)
                {
                    worker.Join();
                }
                foreach (string error in errors)
                {
                    True(error == null, error);
                }
                Equal(2 + threads * 50, Count(Via.SearchAdminAuditLog(sim, "{}"), "\"cmdlet\":"), "every write was audited");
            }
        }

        // --- simulated organization: misuse ----------------------------------------------------

        private static void TestSimNullHandle()
        {
            IntPtr o;
            byte[] id = Utf8z("alice@contoso.com");
            byte[] obj = Utf8z("{}");
            Dictionary<string, Func<SoaStatus>> calls = new Dictionary<string, Func<SoaStatus>>();
            calls["soa_sim_save"] = () => Raw.soa_sim_save(IntPtr.Zero, Utf8z("x.json"));
            calls["soa_sim_as_principal"] = () => Raw.soa_sim_as_principal(IntPtr.Zero, id, out o);
            calls["soa_sim_add_principal"] = () => Raw.soa_sim_add_principal(IntPtr.Zero, id, Utf8z("[]"));
            calls["soa_sim_summary"] = () => Raw.soa_sim_summary(IntPtr.Zero, out o);
            calls["soa_sim_now"] = () => Raw.soa_sim_now(IntPtr.Zero, out o);
            calls["soa_sim_advance"] = () => Raw.soa_sim_advance(IntPtr.Zero, 1, out o);
            calls["soa_sim_sync_cycle"] = () => Raw.soa_sim_sync_cycle(IntPtr.Zero, out o);
            calls["soa_sim_writeback_cycle"] = () => Raw.soa_sim_writeback_cycle(IntPtr.Zero, out o);
            calls["soa_sim_sync_errors"] = () => Raw.soa_sim_sync_errors(IntPtr.Zero, out o);
            calls["soa_sim_set_connect_sync_version"] = () => Raw.soa_sim_set_connect_sync_version(IntPtr.Zero, Utf8z("2.5.190.0"));
            calls["soa_sim_set_cloud_sync_agent"] = () => Raw.soa_sim_set_cloud_sync_agent(IntPtr.Zero, null);
            calls["soa_sim_add_ad_user"] = () => Raw.soa_sim_add_ad_user(IntPtr.Zero, Utf8z(AliceJson), out o);
            calls["soa_sim_ad_attributes"] = () => Raw.soa_sim_ad_attributes(IntPtr.Zero, id, out o);
            calls["soa_sim_set_ad_attributes"] = () => Raw.soa_sim_set_ad_attributes(IntPtr.Zero, id, obj);
            calls["soa_sim_remove_ad_user"] = () => Raw.soa_sim_remove_ad_user(IntPtr.Zero, id);
            calls["soa_sim_assign_license"] = () => Raw.soa_sim_assign_license(IntPtr.Zero, id);
            calls["soa_sim_add_cloud_mailbox"] = () => Raw.soa_sim_add_cloud_mailbox(IntPtr.Zero, id, Utf8z("UserMailbox"), out o);
            foreach (KeyValuePair<string, Func<SoaStatus>> call in calls)
            {
                o = IntPtr.Zero;
                Equal(SoaStatus.NullArgument, call.Value(), call.Key + "(NULL)");
                Contains(Api.LastError(), "`sim`", call.Key + ": the message names the parameter");
                Equal(IntPtr.Zero, o, call.Key + ": no output on failure");
            }
            Dictionary<string, Func<SoaStatus>> exchange = new Dictionary<string, Func<SoaStatus>>();
            exchange["soa_backend_get_mailbox"] = () => Raw.soa_backend_get_mailbox(IntPtr.Zero, id, out o);
            exchange["soa_backend_get_user"] = () => Raw.soa_backend_get_user(IntPtr.Zero, id, out o);
            exchange["soa_backend_set_mailbox"] = () => Raw.soa_backend_set_mailbox(IntPtr.Zero, id, obj);
            exchange["soa_backend_set_cloud_managed"] = () => Raw.soa_backend_set_cloud_managed(IntPtr.Zero, id, 1);
            exchange["soa_backend_get_organization_config"] = () => Raw.soa_backend_get_organization_config(IntPtr.Zero, out o);
            exchange["soa_backend_set_cloud_managed_by_default"] = () => Raw.soa_backend_set_cloud_managed_by_default(IntPtr.Zero, 1);
            exchange["soa_backend_role_assignments"] = () => Raw.soa_backend_role_assignments(IntPtr.Zero, Utf8z("Set-Mailbox"), Utf8z("Identity"), out o);
            exchange["soa_backend_search_admin_audit_log"] = () => Raw.soa_backend_search_admin_audit_log(IntPtr.Zero, obj, out o);
            exchange["soa_backend_list_mailboxes"] = () => Raw.soa_backend_list_mailboxes(IntPtr.Zero, obj, out o);
            foreach (KeyValuePair<string, Func<SoaStatus>> call in exchange)
            {
                o = IntPtr.Zero;
                Equal(SoaStatus.NullArgument, call.Value(), call.Key + "(NULL)");
                Contains(Api.LastError(), "`backend`", call.Key + ": the message names the parameter");
                Equal(IntPtr.Zero, o, call.Key + ": no output on failure");
            }
            Equal(SoaStatus.NullArgument, Raw.soa_mailbox_pager_next(IntPtr.Zero, 10, out o), "soa_mailbox_pager_next(NULL)");
            Contains(Api.LastError(), "`pager`", "the message names the parameter");
            try
            {
                Api.GetMailbox((SoaBackendHandle)null, "alice@contoso.com");
                throw new TestFailure("Via.GetMailbox(null) did not throw");
            }
            catch (ArgumentNullException)
            {
            }
            try
            {
                Api.NextMailboxPage(null, 1);
                throw new TestFailure("Api.NextMailboxPage(null) did not throw");
            }
            catch (ArgumentNullException)
            {
            }
        }

        private static void TestSimNullStrings()
        {
            IntPtr o = IntPtr.Zero;
            Equal(SoaStatus.NullArgument, Native.soa_sim_new(null, out o), "soa_sim_new(tenant NULL)");
            Contains(Api.LastError(), "`tenant`", "the message names the parameter");
            Equal(IntPtr.Zero, o, "no handle on failure");
            Equal(SoaStatus.NullArgument, Native.soa_sim_load(null, out o), "soa_sim_load(path NULL)");
            Contains(Api.LastError(), "`path`", "the message names the parameter");
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaBackendHandle backend = Api.BackendFromSim(sim))
            {
                Dictionary<string, Func<SoaStatus>> calls = new Dictionary<string, Func<SoaStatus>>();
                string alice = "alice@contoso.com";
                calls["path"] = () => Native.soa_sim_save(sim, null);
                calls["principal"] = () => Native.soa_sim_as_principal(sim, null, out o);
                calls["roles_json"] = () => Native.soa_sim_add_principal(sim, alice, null);
                calls["version"] = () => Native.soa_sim_set_connect_sync_version(sim, null);
                calls["user_json"] = () => Native.soa_sim_add_ad_user(sim, null, out o);
                calls["identity"] = () => Native.soa_sim_ad_attributes(sim, null, out o);
                calls["changes_json"] = () => Native.soa_sim_set_ad_attributes(sim, alice, null);
                calls["user_principal_name"] = () => Native.soa_sim_add_cloud_mailbox(sim, null, "UserMailbox", out o);
                calls["recipient_type"] = () => Native.soa_sim_add_cloud_mailbox(sim, "new@contoso.com", null, out o);
                calls["cmdlet"] = () => Native.soa_backend_role_assignments(backend, null, "Identity", out o);
                calls["parameter"] = () => Native.soa_backend_role_assignments(backend, "Set-Mailbox", null, out o);
                calls["query_json"] = () => Native.soa_backend_search_admin_audit_log(backend, null, out o);
                calls["filter_json"] = () => Native.soa_backend_list_mailboxes(backend, null, out o);
                foreach (KeyValuePair<string, Func<SoaStatus>> call in calls)
                {
                    o = IntPtr.Zero;
                    Equal(SoaStatus.NullArgument, call.Value(), "`" + call.Key + "` NULL");
                    Contains(Api.LastError(), "`" + call.Key + "`", "the message names the parameter");
                    Equal(IntPtr.Zero, o, call.Key + ": no output on failure");
                }
                // Every identity parameter.
                List<Func<SoaStatus>> identities = new List<Func<SoaStatus>>
                {
                    () => Native.soa_sim_remove_ad_user(sim, null),
                    () => Native.soa_sim_assign_license(sim, null),
                    () => Native.soa_backend_get_mailbox(backend, null, out o),
                    () => Native.soa_backend_get_user(backend, null, out o),
                    () => Native.soa_backend_set_mailbox(backend, null, "{}"),
                    () => Native.soa_backend_set_cloud_managed(backend, null, 1),
                    () => Native.soa_sim_set_ad_attributes(sim, null, "{}"),
                };
                foreach (Func<SoaStatus> call in identities)
                {
                    Equal(SoaStatus.NullArgument, call(), "identity NULL");
                    Contains(Api.LastError(), "`identity`", "the message names the parameter");
                }
                Equal(SoaStatus.NullArgument, Native.soa_backend_set_mailbox(backend, alice, null), "set_mailbox(changes NULL)");
                // NULL agent_json is allowed: it removes the agent.
                Equal(SoaStatus.Ok, Native.soa_sim_set_cloud_sync_agent(sim, null), "soa_sim_set_cloud_sync_agent(NULL)");
                Equal(null, Api.LastError(), "no error after a success");
                Throws(SoaStatus.NullArgument, () => Via.GetMailbox(sim, null), "Via.GetMailbox(identity null)");
                Throws(SoaStatus.NullArgument, () => Api.NewSim(null), "Api.NewSim(null)");
            }
        }

        private static void TestSimInvalidUtf8()
        {
            IntPtr o = IntPtr.Zero;
            byte[] lone = new byte[] { 0xFF, 0xFE, 0 };
            byte[] tail = new byte[] { (byte)'a', (byte)'l', (byte)'i', 0xC3, 0x28, 0 };
            Equal(SoaStatus.InvalidUtf8, Raw.soa_sim_new(lone, out o), "soa_sim_new(invalid UTF-8)");
            string message = Api.LastError();
            Contains(message, "`tenant`", "the message names the parameter");
            Contains(message, "offset 0", "the message gives the offset");
            Equal(IntPtr.Zero, o, "no handle on failure");
            Equal(SoaStatus.InvalidUtf8, Raw.soa_sim_load(lone, out o), "soa_sim_load(invalid UTF-8)");
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaBackendHandle backend = Api.BackendFromSim(sim))
            {
                IntPtr h = sim.DangerousGetHandle();
                IntPtr b = backend.DangerousGetHandle();
                Equal(SoaStatus.InvalidUtf8, Raw.soa_backend_get_mailbox(b, tail, out o), "soa_backend_get_mailbox(invalid UTF-8)");
                message = Api.LastError();
                Contains(message, "`identity`", "the message names the parameter");
                Contains(message, "offset 3", "the message gives the offset");
                Dictionary<string, Func<SoaStatus>> calls = new Dictionary<string, Func<SoaStatus>>();
                byte[] alice = Utf8z("alice@contoso.com");
                calls["path"] = () => Raw.soa_sim_save(h, lone);
                calls["principal"] = () => Raw.soa_sim_as_principal(h, lone, out o);
                calls["roles_json"] = () => Raw.soa_sim_add_principal(h, alice, lone);
                calls["version"] = () => Raw.soa_sim_set_connect_sync_version(h, lone);
                calls["agent_json"] = () => Raw.soa_sim_set_cloud_sync_agent(h, lone);
                calls["user_json"] = () => Raw.soa_sim_add_ad_user(h, lone, out o);
                calls["identity"] = () => Raw.soa_sim_ad_attributes(h, tail, out o);
                calls["changes_json"] = () => Raw.soa_sim_set_ad_attributes(h, alice, lone);
                calls["recipient_type"] = () => Raw.soa_sim_add_cloud_mailbox(h, Utf8z("new@contoso.com"), lone, out o);
                calls["cmdlet"] = () => Raw.soa_backend_role_assignments(b, lone, Utf8z("Identity"), out o);
                calls["query_json"] = () => Raw.soa_backend_search_admin_audit_log(b, lone, out o);
                calls["filter_json"] = () => Raw.soa_backend_list_mailboxes(b, lone, out o);
                foreach (KeyValuePair<string, Func<SoaStatus>> call in calls)
                {
                    o = IntPtr.Zero;
                    Equal(SoaStatus.InvalidUtf8, call.Value(), "`" + call.Key + "` invalid UTF-8");
                    Contains(Api.LastError(), "`" + call.Key + "`", "the message names the parameter");
                    Equal(IntPtr.Zero, o, call.Key + ": no output on failure");
                }
                List<Func<SoaStatus>> identities = new List<Func<SoaStatus>>
                {
                    () => Raw.soa_sim_remove_ad_user(h, tail),
                    () => Raw.soa_sim_assign_license(h, tail),
                    () => Raw.soa_backend_get_user(b, tail, out o),
                    () => Raw.soa_backend_set_mailbox(b, tail, Utf8z("{}")),
                    () => Raw.soa_backend_set_cloud_managed(b, tail, 1),
                };
                foreach (Func<SoaStatus> call in identities)
                {
                    Equal(SoaStatus.InvalidUtf8, call(), "identity invalid UTF-8");
                    Contains(Api.LastError(), "`identity`", "the message names the parameter");
                }
                Equal(SoaStatus.InvalidUtf8, Raw.soa_backend_set_mailbox(b, alice, lone), "set_mailbox(changes invalid UTF-8)");
                Contains(Via.GetMailbox(sim, "alice@contoso.com"), "\"CustomAttribute1\":\"Sales\"", "nothing changed");
            }
        }

        private static void TestSimNullOutAndInvalidHandles()
        {
            Equal(SoaStatus.NullArgument, Raw.soa_sim_generate(10, 1, IntPtr.Zero), "soa_sim_generate(out NULL)");
            Contains(Api.LastError(), "`out`", "the message names the parameter");
            using (SoaSimHandle sim = SyncedOrg())
            {
                Equal(SoaStatus.NullArgument, Raw.soa_sim_summary(sim.DangerousGetHandle(), IntPtr.Zero), "soa_sim_summary(out NULL)");
                Contains(Api.LastError(), "`out_json`", "the message names the parameter");
                using (SoaMailboxPagerHandle pager = Via.ListMailboxes(sim, "{}"))
                {
                    Equal(SoaStatus.NullArgument, Raw.soa_mailbox_pager_next(pager.DangerousGetHandle(), 10, IntPtr.Zero),
                        "soa_mailbox_pager_next(out NULL)");
                    Contains(Api.LastError(), "`out_json`", "the message names the parameter");
                    Contains(Api.NextMailboxPage(pager, 10), "alice@contoso.com", "the failed call did not consume a page");
                }
            }
            using (SoaSimHandle invalid = new SoaSimHandle())
            {
                True(invalid.IsInvalid, "a new SoaSimHandle should be invalid");
                IntPtr json = IntPtr.Zero;
                Equal(SoaStatus.NullArgument, Native.soa_sim_summary(invalid, out json), "soa_sim_summary(invalid handle)");
                Equal(IntPtr.Zero, json, "no output on failure");
                Throws(SoaStatus.NullArgument, () => Api.SyncCycle(invalid), "Api.SyncCycle(invalid handle)");
            }
            using (SoaMailboxPagerHandle invalid = new SoaMailboxPagerHandle())
            {
                True(invalid.IsInvalid, "a new SoaMailboxPagerHandle should be invalid");
                Throws(SoaStatus.NullArgument, () => Api.NextMailboxPage(invalid, 1), "Api.NextMailboxPage(invalid handle)");
            }
            SoaSimHandle disposed = Api.NewSim("contoso.com");
            disposed.Dispose();
            disposed.Dispose();
            try
            {
                Api.SimSummary(disposed);
                throw new TestFailure("a disposed organization handle was used");
            }
            catch (ObjectDisposedException)
            {
            }
            // The free functions ignore NULL, and release handles made by hand.
            Native.soa_sim_free(IntPtr.Zero);
            Use("soa_sim_free");
            Native.soa_mailbox_pager_free(IntPtr.Zero);
            Use("soa_mailbox_pager_free");
            IntPtr raw;
            Equal(SoaStatus.Ok, Native.soa_sim_new("contoso.com", out raw), "soa_sim_new");
            True(raw != IntPtr.Zero, "a handle was returned");
            IntPtr rawPager = IntPtr.Zero;
            IntPtr rawBackend = IntPtr.Zero;
            using (SoaSimHandle owned = new SoaSimHandle())
            {
                owned.Own(raw);
                Equal(SoaStatus.Ok, Native.soa_backend_from_sim(owned, out rawBackend), "soa_backend_from_sim");
            }
            using (SoaBackendHandle owned = new SoaBackendHandle())
            {
                owned.Own(rawBackend);
                Equal(SoaStatus.Ok, Native.soa_backend_list_mailboxes(owned, "{}", out rawPager), "soa_backend_list_mailboxes");
            }
            IntPtr page;
            Equal(SoaStatus.Ok, Raw.soa_mailbox_pager_next(rawPager, 5, out page), "soa_mailbox_pager_next");
            Equal("[]", Api.TakeString(page), "an empty organization lists nothing");
            Native.soa_mailbox_pager_free(rawPager);
        }

        // --- emulator, REST client and transfer ------------------------------------------------

        private const string AdminApps =
            "{\"apps\":[{\"client_id\":\"cs-app\",\"secret\":\"Cs-Secret-31\",\"principal\":\"admin@contoso.com\"}]}";

        private static string CloudOf(SoaEmulatorHandle emulator)
        {
            string url = Api.EmulatorBaseUrl(emulator);
            Use("soa_emulator_base_url");
            return "{\"exchange\":\"" + url + "\",\"login\":\"" + url + "\"}";
        }

        // A client on the emulator with a token it issued for `principal`.
        private static SoaClientHandle ConnectAs(SoaEmulatorHandle emulator, string principal, string optionsJson)
        {
            string token = Api.IssueToken(emulator, principal);
            Use("soa_emulator_issue_token");
            string tenant = Api.EmulatorTenant(emulator);
            Use("soa_emulator_tenant");
            SoaClientHandle client = Api.Connect(tenant, CloudOf(emulator),
                "{\"kind\":\"token\",\"token\":\"" + token + "\"}", optionsJson);
            Use("soa_client_connect");
            return client;
        }

        private static string NewRunDir()
        {
            string dir = Path.Combine(Path.GetTempPath(), "soa-csharp-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return dir;
        }

        private static void RemoveDir(string dir)
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }

        private static void TestEmulator()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaEmulatorHandle emulator = Api.StartEmulator(sim, AdminApps))
            {
                Use("soa_emulator_start");
                string url = Api.EmulatorBaseUrl(emulator);
                True(url.StartsWith("http://127.0.0.1:", StringComparison.Ordinal), "base URL " + url);
                Equal("contoso.com", Api.EmulatorTenant(emulator), "tenant");
                string id = Api.EmulatorTenantId(emulator);
                Use("soa_emulator_tenant_id");
                Equal(36, id.Length, "tenant id length");
                string token = Api.IssueToken(emulator, "admin@contoso.com");
                True(token.Length >= 16, "a token");
                True(token != Api.IssueToken(emulator, "admin@contoso.com"), "every token is new");
                Api.RegisterApp(emulator, "{\"client_id\":\"cs-app-2\",\"secret\":\"Second-Secret-2\",\"principal\":\"admin@contoso.com\"}");
                Use("soa_emulator_register_app");
                // The tenant id is accepted as the tenant too; the secret gets a token at connect.
                using (SoaClientHandle client = Api.Connect(id, CloudOf(emulator),
                    "{\"kind\":\"secret\",\"client_id\":\"cs-app-2\",\"secret\":\"Second-Secret-2\"}", null))
                {
                    Contains(Via.GetMailbox(client, "alice"), "\"UserPrincipalName\":\"alice@contoso.com\"", "Get-Mailbox as the app");
                }
                // A certificate credential: the assertion is signed with the key (the emulator
                // checks its claims, not its signature).
                Api.RegisterApp(emulator, "{\"client_id\":\"cs-cert-app\",\"secret\":null,\"principal\":\"admin@contoso.com\"}");
                string fixtures = Path.Combine("soa-core", "tests", "fixtures");
                string certificate = "{\"kind\":\"certificate\",\"client_id\":\"cs-cert-app\",\"key_pem\":"
                    + JsonString(File.ReadAllText(Path.Combine(fixtures, "rest-test-key.pem")))
                    + ",\"cert_pem\":" + JsonString(File.ReadAllText(Path.Combine(fixtures, "rest-test-cert.pem"))) + "}";
                using (SoaClientHandle client = Api.Connect("contoso.com", CloudOf(emulator), certificate, null))
                {
                    Contains(Via.GetOrganizationConfig(client), "\"Name\"", "Get-OrganizationConfig as the certificate app");
                }
                Throws(SoaStatus.InvalidInput, () => Api.Connect("contoso.com", CloudOf(emulator),
                    "{\"kind\":\"certificate\",\"client_id\":\"cs-cert-app\",\"key_pem\":\"not a key\",\"cert_pem\":\"not a cert\"}", null),
                    "PEM text that is not a key");
                SoaException bad = Throws(SoaStatus.InvalidJson,
                    () => Api.RegisterApp(emulator, "{\"client_id\":\"x\",\"secret\":42424242,\"principal\":\"p\"}"), "a malformed app");
                True(bad.Message.IndexOf("42424242", StringComparison.Ordinal) < 0, "the message quotes the secret: " + bad.Message);
                Api.SetFaults(emulator, "{\"latency\":0.001}");
                Use("soa_emulator_set_faults");
                Throws(SoaStatus.InvalidInput, () => Api.SetFaults(emulator, "{\"drop_before_rate\":-1}"), "a negative rate");
                string stats = Api.EmulatorStats(emulator);
                Use("soa_emulator_stats");
                True(JsonInt(stats, "token_requests") >= 1, "token requests counted: " + stats);
                True(JsonInt(stats, "tokens_issued") >= 3, "tokens counted: " + stats);
                Api.StopEmulator(emulator);
                Api.StopEmulator(emulator);
                Use("soa_emulator_stop");
                Equal(url, Api.EmulatorBaseUrl(emulator), "a stopped emulator keeps its URL");
            }
            using (SoaSimHandle empty = Api.NewSim("contoso.com"))
            {
                Throws(SoaStatus.InvalidInput, () => Api.StartEmulator(empty, "{\"max_page_size\":5000}").Dispose(),
                    "a page cap beyond 1000");
            }
        }

        private static void TestClientOperations()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaEmulatorHandle emulator = Api.StartEmulator(sim, null))
            using (SoaClientHandle client = ConnectAs(emulator, "admin@contoso.com", null))
            {
                Contains(Api.ClientEndpoint(client), "/adminapi/beta/contoso.com/InvokeCommand", "endpoint");
                Use("soa_client_endpoint");
                Contains(Via.GetMailbox(client, "alice@contoso.com"), "\"IsExchangeCloudManaged\":false", "Get-Mailbox");
                Use("soa_backend_get_mailbox");
                Contains(Via.GetUser(client, "alice"), "\"DisplayName\":\"Alice\"", "Get-User");
                Use("soa_backend_get_user");
                Throws(SoaStatus.OutOfWriteScope, () => Via.SetMailbox(client, "alice", SetCloudValue), "edit before the flip");
                Use("soa_backend_set_mailbox");
                Via.SetCloudManaged(client, "alice", true);
                Use("soa_backend_set_cloud_managed");
                Via.SetMailbox(client, "alice", SetCloudValue);
                Contains(Via.GetMailbox(sim, "alice"), "\"CustomAttribute1\":\"Cloud\"", "the emulator serves the same organization");
                Contains(Via.GetOrganizationConfig(client), "\"BlockExchangeProvisioningFromOnPremEnabled\":false", "config");
                Use("soa_backend_get_organization_config");
                Via.SetCloudManagedByDefault(client, true);
                Use("soa_backend_set_cloud_managed_by_default");
                Contains(Via.GetOrganizationConfig(sim), "\"BlockExchangeProvisioningFromOnPremEnabled\":true", "default on");
                Via.SetCloudManagedByDefault(client, false);
                Contains(Via.RoleAssignments(client, "Set-Mailbox", "IsExchangeCloudManaged"), "admin@contoso.com", "roles");
                Use("soa_backend_role_assignments");
                string audit = Via.SearchAdminAuditLog(client, "{\"parameter\":\"IsExchangeCloudManaged\"}");
                Use("soa_backend_search_admin_audit_log");
                Contains(audit, "alice@contoso.com", "audit");
                Throws(SoaStatus.NotFound, () => Via.GetMailbox(client, "nobody@contoso.com"), "an unknown mailbox");
                Throws(SoaStatus.InvalidInput, () => Via.SetMailbox(client, "alice", "[]"), "changes that are not an object");
            }
        }

        private static void TestClientPager()
        {
            using (SoaSimHandle sim = Api.GenerateSim(30, 11))
            using (SoaEmulatorHandle emulator = Api.StartEmulator(sim, "{\"max_page_size\":4}"))
            {
                long expected = JsonInt(Api.SimSummary(sim), "mailboxes");
                using (SoaClientHandle client = ConnectAs(emulator, "admin@contoso.com", null))
                {
                    SoaMailboxPagerHandle pager = Via.ListMailboxes(client, "{}");
                    Use("soa_backend_list_mailboxes");
                    using (pager)
                    {
                        Equal(0L, JsonInt(Api.EmulatorStats(emulator), "invoke_requests"), "nothing sent before the first page");
                        long total = 0;
                        int pages = 0;
                        for (;;)
                        {
                            string page = Api.NextMailboxPage(pager, 3);
                            int n = Count(page, "\"IsDirSynced\":");
                            if (n == 0)
                            {
                                Equal("[]", page, "the end");
                                break;
                            }
                            True(n <= 3, "a page holds " + n);
                            total += n;
                            pages++;
                        }
                        Equal(expected, total, "every mailbox once");
                        True(pages >= expected / 3, "pages: " + pages);
                        True(JsonInt(Api.EmulatorStats(emulator), "Get-Mailbox") >= expected / 4, "gateway pages");
                    }
                    // A pager outlives its client handle.
                    SoaMailboxPagerHandle later = Via.ListMailboxes(client, "{\"dir_synced\":true}");
                    client.Dispose();
                    using (later)
                    {
                        Contains(Api.NextMailboxPage(later, 2), "\"IsDirSynced\":true", "a page after the client handle is gone");
                    }
                }
            }
        }

        private static void TestClientDenied()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaEmulatorHandle emulator = Api.StartEmulator(sim, AdminApps))
            {
                using (SoaClientHandle stranger = ConnectAs(emulator, "stranger@fabrikam.com", null))
                {
                    SoaException e = Throws(SoaStatus.AccessDenied, () => Via.GetMailbox(stranger, "alice"), "an unknown principal");
                    Contains(e.Message, "stranger@fabrikam.com", "the message names the caller");
                    using (SoaMailboxPagerHandle pager = Via.ListMailboxes(stranger, "{}"))
                    {
                        Throws(SoaStatus.AccessDenied, () => Api.NextMailboxPage(pager, 10), "a denied listing fails at its first page");
                        Equal("[]", Api.NextMailboxPage(pager, 10), "and is over");
                    }
                }
                string cloud = CloudOf(emulator);
                SoaException auth = Throws(SoaStatus.Auth,
                    () => Api.Connect("contoso.com", cloud, "{\"kind\":\"secret\",\"client_id\":\"cs-app\",\"secret\":\"Not-The-Secret-5\"}", null),
                    "a wrong secret");
                True(auth.Message.IndexOf("Not-The-Secret-5", StringComparison.Ordinal) < 0, "the message quotes the secret");
                SoaException json = Throws(SoaStatus.InvalidJson,
                    () => Api.Connect("contoso.com", cloud, "{\"kind\":\"secret\",\"client_id\":\"cs-app\",\"secret\":{\"v\":\"Nested-Secret-6\"}}", null),
                    "a secret of the wrong type");
                True(json.Message.IndexOf("Nested-Secret-6", StringComparison.Ordinal) < 0, "the message quotes the secret");
                Throws(SoaStatus.InvalidInput, () => Api.Connect("contoso.com", "atlantis", "{\"kind\":\"token\",\"token\":\"t\"}", null),
                    "an unknown cloud");
                Throws(SoaStatus.InvalidJson, () => Api.Connect("contoso.com", "dod", "{\"kind\":\"token\",\"token\":\"t\"}", "{\"pagesize\":1}"),
                    "an unknown option");
            }
        }

        private static void TestClientThrottled()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaEmulatorHandle emulator = Api.StartEmulator(sim, "{\"faults\":{\"throttle\":{\"rate\":25.0,\"burst\":1}}}"))
            using (SoaClientHandle client = ConnectAs(emulator, "admin@contoso.com",
                "{\"retry\":{\"max_retries\":10,\"initial_delay_secs\":0.01,\"max_delay_secs\":0.2}}"))
            {
                for (int i = 0; i < 8; i++)
                {
                    Contains(Via.GetMailbox(client, "alice"), "alice@contoso.com", "call " + i);
                }
                string stats = Api.EmulatorStats(emulator);
                True(JsonInt(stats, "throttled") > 0, "the emulator throttled: " + stats);
            }
        }

        private const string AliceSelection = "{\"identities\":[\"alice@contoso.com\"]}";

        // Plan, run with a delegate, resume, restore, rollback over `backend` (whose organization,
        // or the one behind its emulator, is `sim`); `directory` is passed as given.
        // A session on `backend` with the AD of `sim` as its directory, acting as `actor` (null:
        // the backend's principal).
        private static SoaSessionHandle SessionOn(SoaBackendHandle backend, SoaSimHandle sim, string actor)
        {
            using (SoaDirectoryHandle directory = Api.DirectoryFromSim(sim))
            {
                Use("soa_directory_from_sim");
                SoaSessionHandle session = Api.NewSession(backend, directory, null, actor);
                Use("soa_session_new");
                return session;
            }
        }

        private static void TransferFlow(SoaBackendHandle backend, SoaSimHandle sim)
        {
            string run = NewRunDir();
            try
            {
                using (SoaSessionHandle session = SessionOn(backend, sim, "csharp"))
                {
                    string preflight = Api.GatherPreflight(session, null);
                    Use("soa_preflight_gather");
                    Contains(preflight, "\"caller\":{\"name\":", "the preflight names the caller");
                    SoaException refused = Throws(SoaStatus.Refused,
                        () => Api.PlanTransfer(session, AliceSelection, "{}", preflight), "a plan without a ticket");
                    Use("soa_transfer_plan");
                    Contains(refused.Message, "ticket", "the refusal says why");
                    string early = Api.PlanTransfer(session, AliceSelection, "{\"ticket\":\"CHG-CS\"}", preflight);
                    Contains(early, "recent_on_premises_change", "the settle rule, checked against the directory");
                    Contains(early, "\"directory_checked\":true", "the plan says AD was read");
                    Api.Advance(sim, 25 * 60);
                    string plan = Api.PlanTransfer(session, AliceSelection, "{\"ticket\":\"CHG-CS\"}", preflight);
                    Contains(plan, "\"decision\":\"go\"", "alice goes");
                    Contains(Api.PlanSummary(plan), "1 mailbox(es) to transfer", "summary");
                    Use("soa_transfer_plan_summary");
                    Equal("{\"go\":1,\"deferred\":0,\"skipped\":0,\"total\":1,\"blocked\":false}", Api.PlanCounts(plan), "the plan's counts");
                    Use("soa_transfer_plan_counts");

                    string dry = NewRunDir();
                    try
                    {
                        Contains(Api.RunTransfer(session, plan, dry, true, null), "\"dry_run\":true", "a dry run");
                    }
                    finally
                    {
                        RemoveDir(dry);
                    }
                    List<string> events = new List<string>();
                    int thread = Thread.CurrentThread.ManagedThreadId;
                    bool otherThread = false;
                    string report = Api.RunTransfer(session, plan, run, false, e =>
                    {
                        events.Add(e);
                        otherThread |= Thread.CurrentThread.ManagedThreadId != thread;
                    });
                    Use("soa_transfer_run");
                    Contains(report, "\"step\":\"verified\"", "the report");
                    True(events.Count >= 4, "progress events: " + events.Count);
                    True(!otherThread, "the delegate ran on another thread");
                    Contains(string.Join("\n", events.ToArray()), "\"step\":\"backed_up\"", "a backup event");
                    Contains(events[events.Count - 1], "\"done\":1,\"total\":1", "the last event counts the mailbox done");
                    Contains(File.ReadAllText(Path.Combine(run, "audit.jsonl")), "\"actor\":\"csharp\"", "the audit log names the session's actor");

                    events.Clear();
                    string resumed = Api.ResumeTransfer(session, run, e => events.Add(e));
                    Use("soa_transfer_resume");
                    Contains(resumed, "done in an earlier attempt", "nothing flipped twice");
                    Equal(0, events.Count, "on resume, a finished run reports no progress");
                    Contains(Api.ResumeTransfer(session, run, null), "done in an earlier attempt", "a null delegate");

                    string[] backups = Directory.GetFiles(Path.Combine(run, "backups"), "*.json");
                    Equal(1, backups.Length, "one backup");
                    Equal(backups[0], Api.BackupPath(run, "alice@contoso.com"), "the backup is where the core says");
                    Use("soa_backup_path");
                    Contains(Api.RestoreInCloud(session, backups[0], true), "\"dry_run\":true", "a dry restore");
                    Use("soa_transfer_restore_in_cloud");
                    string script = Api.RestoreScript(session, backups[0]);
                    Use("soa_transfer_restore_script");
                    Contains(script, "Set-ADUser -Identity 'alice@contoso.com' -Replace", "the script");
                    Contains(script, "'Sales'", "the script holds AD's value");

                    Via.SetMailbox(sim, "alice", SetCloudValue);
                    SoaException loss = Throws(SoaStatus.Refused,
                        () => Api.RollbackTransfer(session, "alice@contoso.com", "{}", null), "a rollback that loses a value");
                    Use("soa_transfer_rollback");
                    Contains(loss.Message, "CustomAttribute1", "the loss is named");
                    string export = Path.Combine(run, "loss.json");
                    string outcome = Api.RollbackTransfer(session, "alice@contoso.com",
                        "{\"export_to\":" + JsonString(export) + ",\"ticket\":\"CHG-CS\"}", Path.Combine(run, "audit.jsonl"));
                    Contains(outcome, "\"rolled_back\":true", "rolled back after the export");
                    Contains(outcome, "\"directory_checked\":true", "the loss was read from AD");
                    True(File.Exists(export), "the loss was exported");
                    Contains(Via.GetMailbox(sim, "alice"), "\"IsExchangeCloudManaged\":false", "the flag reads false");
                    string audit = Api.AuditLogNormalized(Path.Combine(run, "audit.jsonl"));
                    Use("soa_audit_log_normalized");
                    Equal(3, Count(audit, "\n"), "backup, flip and rollback: " + audit);
                    Equal(3, Count(audit, "\"actor\":\"csharp\""), "every record names the session's actor");
                }
            }
            finally
            {
                RemoveDir(run);
            }
        }

        private static string JsonString(string text)
        {
            return "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n") + "\"";
        }

        private static void TestTransferSim()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaBackendHandle backend = Api.BackendFromSim(sim))
            {
                Use("soa_backend_from_sim");
                TransferFlow(backend, sim);
            }
        }

        private static void TestTransferClient()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaEmulatorHandle emulator = Api.StartEmulator(sim, null))
            {
                SoaBackendHandle backend;
                // A delegated token: the principal, whose roles the preflight reads, is the admin.
                using (SoaClientHandle client = ConnectAs(emulator, "admin@contoso.com", "{\"delegated_upn\":\"admin@contoso.com\"}"))
                {
                    backend = Api.BackendFromClient(client);
                    Use("soa_backend_from_client");
                }
                using (backend)
                {
                    TransferFlow(backend, sim);
                    // Without a directory: the plan says AD was not read, and a rollback that
                    // cannot compute the loss is refused unless acknowledged.
                    Api.SetCloudManaged(backend, "alice", true);
                    using (SoaSessionHandle blind = Api.NewSession(backend, null, null, null))
                    {
                        Contains(Api.PlanTransfer(blind, AliceSelection, "{\"ticket\":\"CHG-CS\"}", "{}"),
                            "\"directory_checked\":false", "a plan without a directory says so");
                        SoaException e = Throws(SoaStatus.Refused,
                            () => Api.RollbackTransfer(blind, "alice", "{}", null), "a rollback without a directory");
                        Contains(e.Message, "No on-premises directory", "the refusal says why");
                    }
                }
            }
        }

        private static void TestTransferProgressException()
        {
            string run = NewRunDir();
            try
            {
                using (SoaSimHandle sim = SyncedOrg())
                using (SoaBackendHandle backend = Api.BackendFromSim(sim))
                using (SoaSessionHandle session = SessionOn(backend, sim, null))
                {
                    Api.Advance(sim, 25 * 60);
                    string plan = Api.PlanTransfer(session, AliceSelection, "{\"ticket\":\"CHG-X\"}", "{}");
                    int calls = 0;
                    try
                    {
                        Api.RunTransfer(session, plan, run, false, e =>
                        {
                            calls++;
                            throw new InvalidOperationException("stop at " + e);
                        });
                        throw new TestFailure("the delegate's exception was swallowed");
                    }
                    catch (InvalidOperationException e)
                    {
                        Contains(e.Message, "\"step\":\"planned\"", "the first event's exception");
                    }
                    Equal(1, calls, "the delegate is not called again after it threw");
                    // The run itself went on: the mailbox is flipped and the journal complete.
                    Contains(Api.GetMailbox(backend, "alice"), "\"IsExchangeCloudManaged\":true", "the run completed");
                    Contains(File.ReadAllText(Path.Combine(run, "journal.jsonl")), "\"verified\"", "the journal");
                    // A delegate that calls back into the library is refused (Reentrant); the run goes on.
                    string second = NewRunDir();
                    try
                    {
                        Api.AddAdUser(sim, "{\"user_principal_name\":\"bob@contoso.com\",\"remote_mailbox\":\"RemoteUserMailbox\"}");
                        Api.SyncCycle(sim);
                        Api.AssignLicense(sim, "bob@contoso.com");
                        Api.Advance(sim, 25 * 60);
                        string bobPlan = Api.PlanTransfer(session, "{\"identities\":[\"bob@contoso.com\"]}",
                            "{\"ticket\":\"CHG-X\"}", "{}");
                        List<SoaStatus> nested = new List<SoaStatus>();
                        string report = Api.RunTransfer(session, bobPlan, second, false, e =>
                        {
                            try
                            {
                                Api.GetMailbox(backend, "bob");
                                nested.Add(SoaStatus.Ok);
                            }
                            catch (SoaException inner)
                            {
                                nested.Add(inner.Status);
                            }
                        });
                        Contains(report, "\"step\":\"verified\"", "the run went on");
                        True(nested.Count >= 4, "nested calls: " + nested.Count);
                        True(nested.TrueForAll(st => st == SoaStatus.Reentrant), "every nested call is refused as Reentrant");
                    }
                    finally
                    {
                        RemoveDir(second);
                    }
                    // A failed call's error wins over nothing: the refusal comes through as usual.
                    Throws(SoaStatus.Io, () => Api.ResumeTransfer(session, Path.Combine(run, "missing"), e => { }),
                        "resume of a folder without a plan");
                }
            }
            finally
            {
                RemoveDir(run);
            }
        }

        private static void TestTenantDefaultAndRbac()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaBackendHandle backend = Api.BackendFromSim(sim))
            using (SoaSessionHandle session = Api.NewSession(backend, null, null, null))
            {
                SoaException e = Throws(SoaStatus.Refused,
                    () => Api.EnableCloudManagedByDefault(session, "{\"on_premises_provisioning_in_use\":true}", null),
                    "the default while provisioning on-premises");
                Use("soa_tenant_default_enable");
                Contains(e.Message, "Fix:", "the refusal says how to fix it");
                Api.EnableCloudManagedByDefault(session, "{}", "{}");
                Contains(Api.GetOrganizationConfig(backend), "\"BlockExchangeProvisioningFromOnPremEnabled\":true", "on");
                Api.DisableCloudManagedByDefault(session);
                Use("soa_tenant_default_disable");
                Contains(Api.GetOrganizationConfig(backend), "\"BlockExchangeProvisioningFromOnPremEnabled\":false", "off");
                string rbac = Api.RbacReview(session, "SOA Operators");
                Use("soa_rbac_review");
                Contains(rbac, "admin@contoso.com", "who holds the right");
                Contains(rbac, "New-RoleGroup -Name 'SOA Operators'", "the confining commands");
                Contains(Api.RbacReview(session, "O'Brien Team"), "'O''Brien Team'", "a quote in the group name is escaped");
            }
        }

        private static void TestSessionDefaults()
        {
            using (SoaSimHandle sim = SyncedOrg())
            using (SoaBackendHandle backend = Api.BackendFromSim(sim))
            {
                // An explicit empty actor is an error, never a silent blank.
                SoaException empty = Throws(SoaStatus.InvalidInput, () => Api.NewSession(backend, null, null, ""), "an empty actor");
                Contains(empty.Message, "actor", "the message names the actor");
                Throws(SoaStatus.InvalidInput, () => Api.NewSession(backend, null, null, " \t"), "a blank actor");
                SoaSessionHandle session;
                using (SoaDirectoryHandle directory = Api.DirectoryFromSim(sim))
                using (SoaCatalogHandle catalog = Api.BuiltinCatalog())
                {
                    session = Api.NewSession(backend, directory, catalog, null);
                }
                using (session)
                {
                    // null: the backend's principal; the handles it was made from may go first.
                    Equal("admin@contoso.com", Api.SessionActor(session), "the default actor is the principal");
                    Use("soa_session_actor");
                    Equal(Api.SimNow(sim), Api.SessionNow(session), "the session reads the organization's clock");
                    Use("soa_session_now");
                    using (SoaBackendHandle again = Api.SessionBackend(session))
                    {
                        Use("soa_session_backend");
                        Contains(Api.GetMailbox(again, "alice"), "\"UserPrincipalName\":\"alice@contoso.com\"", "the session's backend");
                    }
                }
                Api.AddPrincipal(sim, "ops@contoso.com", "[\"Organization Management\"]");
                using (SoaSimHandle ops = Api.SimAsPrincipal(sim, "ops@contoso.com"))
                using (SoaBackendHandle asOps = Api.BackendFromSim(ops))
                using (SoaSessionHandle opsSession = Api.NewSession(asOps, null, null, null))
                using (SoaSessionHandle named = Api.NewSession(backend, null, null, "change-bot"))
                {
                    Equal("ops@contoso.com", Api.SessionActor(opsSession), "another principal");
                    Equal("change-bot", Api.SessionActor(named), "an explicit actor");
                }
                // The run folder's files and a mailbox's backup file come from the core.
                string folder = Api.RunFolder("runs/r1");
                Use("soa_run_folder_json");
                Equal("{\"dir\":\"runs/r1\",\"plan\":\"runs/r1/plan.json\",\"journal\":\"runs/r1/journal.jsonl\","
                    + "\"audit\":\"runs/r1/audit.jsonl\",\"backups\":\"runs/r1/backups\",\"lock\":\"runs/r1/run.lock\"}", folder, "the run folder");
                Use("soa_run_folder_default");
                Equal(Path.Combine("base", "soa-runs", "RUN-1"), Api.DefaultRunFolder("base", "RUN-1"), "the default run folder");
                Use("soa_rollback_loss_path");
                string loss = Api.RollbackLossPath("exports", "Ann O'Neil@contoso.com");
                True(loss.StartsWith(Path.Combine("exports", "rollback-loss-ann_o_neil@contoso.com."), StringComparison.Ordinal)
                    && loss.EndsWith(".json", StringComparison.Ordinal), "the loss export file: " + loss);
                string run = NewRunDir();
                try
                {
                    string backup = Api.BackupPath(run, "Ann O'Neil@contoso.com");
                    True(backup.StartsWith(Path.Combine(run, "backups", "ann_o_neil@contoso.com."), StringComparison.Ordinal)
                        && backup.EndsWith(".json", StringComparison.Ordinal), "a safe file name: " + backup);
                    Equal(backup, Api.BackupPath(run, "ANN O'NEIL@contoso.com"), "one file whatever the case");
                }
                finally
                {
                    RemoveDir(run);
                }
                Throws(SoaStatus.InvalidJson, () => Api.PlanCounts("{}"), "counts of a plan without its fields");
            }
        }

        // The cross-front-end scenario: generate(200, seed 11), a session with the organization as
        // its directory, the first dir-synced, not cloud-managed mailbox of the backend's listing,
        // a plan (CHG-1, batch cap 1, no probe), a run, and a rollback with the loss acknowledged.
        // The audit records, normalized, must be byte for byte those of the Rust reference run.
        private static void TestCrossFrontEndScenario()
        {
            string scenario = Path.Combine(Path.Combine(Path.Combine(RootDir(), "target"), "test-artifacts"), "scenario");
            string run = NewRunDir();
            try
            {
                using (SoaSimHandle sim = Api.GenerateSim(200, 11))
                using (SoaBackendHandle backend = Api.BackendFromSim(sim))
                using (SoaSessionHandle session = SessionOn(backend, sim, null))
                {
                    string first;
                    using (SoaMailboxPagerHandle pager = Api.ListMailboxes(backend, "{\"dir_synced\":true,\"cloud_managed\":false}"))
                    {
                        first = Api.NextMailboxPage(pager, 1);
                    }
                    Match upn = Regex.Match(first, "\"UserPrincipalName\":\"([^\"]+)\"");
                    True(upn.Success, "the first mailbox has a UPN: " + first);
                    string identity = upn.Groups[1].Value;
                    string preflight = Api.GatherPreflight(session, null);
                    string plan = Api.PlanTransfer(session, "{\"identities\":[" + JsonString(identity) + "]}",
                        "{\"ticket\":\"CHG-1\",\"batch_cap\":1,\"probe_attribute\":null}", preflight);
                    Equal(1L, JsonInt(Api.PlanCounts(plan), "go"), "one mailbox goes");
                    Equal(1, Count(Api.RunTransfer(session, plan, run, false, null), "\"step\":\"verified\""), "verified");
                    string audit = Path.Combine(run, "audit.jsonl");
                    Contains(Api.RollbackTransfer(session, identity, "{\"acknowledge_loss\":true,\"ticket\":\"CHG-1\"}", audit),
                        "\"rolled_back\":true", "rolled back");
                    string records = Api.AuditLogNormalized(audit);
                    Equal(3, Count(records, "\n"), "backup, flip, rollback: " + records);
                    Equal(3, Count(records, "\"actor\":\"" + Api.SessionActor(session) + "\""), "the session's actor");
                    True(records.IndexOf("\"time\"", StringComparison.Ordinal) < 0
                        && records.IndexOf("\"run_id\"", StringComparison.Ordinal) < 0, "no times or run ids: " + records);
                    Directory.CreateDirectory(scenario);
                    File.WriteAllBytes(Path.Combine(scenario, "csharp.jsonl"), new UTF8Encoding(false).GetBytes(records));
                    string reference = Path.Combine(scenario, "rust.jsonl");
                    True(File.Exists(reference), reference + " is missing: the Rust suite writes it (run tests/run.sh rust first)");
                    string expected = new UTF8Encoding(false).GetString(File.ReadAllBytes(reference));
                    Equal(expected, records, "the C# audit records against the Rust ones");
                }
            }
            finally
            {
                RemoveDir(run);
            }
        }

        // The workspace: SOA_ROOT when the test script runs, else the current folder.
        private static string RootDir()
        {
            string root = Environment.GetEnvironmentVariable("SOA_ROOT");
            return string.IsNullOrEmpty(root) ? Directory.GetCurrentDirectory() : root;
        }

        private static void TestNewHandlesMisuse()
        {
            using (SoaClientHandle client = new SoaClientHandle())
            {
                Throws(SoaStatus.NullArgument, () => Api.BackendFromClient(client), "backend of a NULL client");
                Throws(SoaStatus.NullArgument, () => Api.ClientEndpoint(client), "endpoint of a NULL client");
            }
            using (SoaEmulatorHandle emulator = new SoaEmulatorHandle())
            {
                Throws(SoaStatus.NullArgument, () => Api.StopEmulator(emulator), "stop a NULL emulator");
                Throws(SoaStatus.NullArgument, () => Api.EmulatorStats(emulator), "stats of a NULL emulator");
            }
            using (SoaBackendHandle backend = new SoaBackendHandle())
            {
                IntPtr json;
                Equal(SoaStatus.NullArgument, Native.soa_backend_get_mailbox(backend, "alice", out json), "NULL backend");
                Contains(Api.LastError(), "`backend`", "the message names the parameter");
                Throws(SoaStatus.NullArgument, () => Api.ListMailboxes(backend, "{}"), "listing on a NULL backend");
                Throws(SoaStatus.NullArgument, () => Api.NewSession(backend, null, null, null), "a session on a NULL backend");
            }
            using (SoaSessionHandle session = new SoaSessionHandle())
            {
                Throws(SoaStatus.NullArgument, () => Api.RbacReview(session, "g"), "a NULL session");
                Throws(SoaStatus.NullArgument, () => Api.PlanTransfer(session, AliceSelection, "{}", "{}"), "plan on a NULL session");
                Throws(SoaStatus.NullArgument, () => Api.SessionActor(session), "the actor of a NULL session");
                Throws(SoaStatus.NullArgument, () => Api.SessionBackend(session), "the backend of a NULL session");
            }
            using (SoaSimHandle invalid = new SoaSimHandle())
            {
                Throws(SoaStatus.NullArgument, () => Api.DirectoryFromSim(invalid), "a directory of a NULL organization");
            }
            using (SoaSimHandle sim = Api.NewSim("contoso.com"))
            using (SoaBackendHandle backend = Api.BackendFromSim(sim))
            using (SoaSessionHandle session = Api.NewSession(backend, null, null, null))
            {
                SoaException missing = Throws(SoaStatus.NullArgument,
                    () => Api.PlanTransfer(session, null, "{}", "{}"), "a NULL selection");
                Contains(missing.Message, "`selection_json`", "the message names the parameter");
                Throws(SoaStatus.InvalidJson, () => Api.PlanTransfer(session, "{\"all\":true}", "{}", "{}"), "an unknown selection");
                Throws(SoaStatus.InvalidJson, () => Api.GatherPreflight(session, "{\"settle_hours\":\"soon\"}"), "bad requirements");
                Throws(SoaStatus.InvalidJson, () => Api.PlanSummary("{}"), "a plan without its fields");
                Throws(SoaStatus.Io, () => Api.RestoreInCloud(session, "/nonexistent/backup.json", false), "a missing backup");
                Throws(SoaStatus.Io, () => Api.RestoreScript(session, "/nonexistent/backup.json"), "a missing backup (script)");
                Throws(SoaStatus.InvalidInput, () => Api.RunTransfer(session, "[]", Path.GetTempPath(), false, null), "a plan that is not an object");
                Throws(SoaStatus.InvalidInput, () => Api.EnableCloudManagedByDefault(session, "{}", "[]"), "requirements that are not an object");
                Throws(SoaStatus.Io, () => Api.AuditLogNormalized("/nonexistent/audit.jsonl"), "a missing audit log");
                Throws(SoaStatus.NullArgument, () => Api.BackupPath(null, "alice"), "a NULL run folder");
                SoaSessionHandle disposed = Api.NewSession(backend, null, null, null);
                disposed.Dispose();
                disposed.Dispose();
                try
                {
                    Api.RbacReview(disposed, "g");
                    throw new TestFailure("a disposed session was used");
                }
                catch (ObjectDisposedException)
                {
                }
            }
            Native.soa_client_free(IntPtr.Zero);
            Use("soa_client_free");
            Native.soa_emulator_free(IntPtr.Zero);
            Use("soa_emulator_free");
            Native.soa_backend_free(IntPtr.Zero);
            Use("soa_backend_free");
            Native.soa_directory_free(IntPtr.Zero);
            Use("soa_directory_free");
            Native.soa_session_free(IntPtr.Zero);
            Use("soa_session_free");
        }

        // --- reconciliation and the script auditor ---------------------------------------------

        private const string AdCsv =
            "#TYPE Microsoft.ActiveDirectory.Management.ADUser\n"
            + "\"DistinguishedName\",\"ObjectGUID\",\"UserPrincipalName\",\"mail\",\"extensionAttribute1\",\"whenChanged\"\n"
            + "\"CN=Alice Wong,OU=Staff,DC=contoso,DC=com\",\"a0000000-0000-0000-0000-000000000001\",\"alice@contoso.com\","
            + "\"alice@contoso.com\",\"Sales\",\"2026-11-01T10:00:00Z\"\n"
            + "\"CN=Bob,OU=Staff,DC=contoso,DC=com\",\"a0000000-0000-0000-0000-000000000002\",\"bob@contoso.com\","
            + "\"bob@contoso.com\",\"HR\",\"2026-11-01T10:00:00Z\"\n";

        private const string CloudJson =
            "[{\"UserPrincipalName\":\"alice@contoso.com\",\"PrimarySmtpAddress\":\"alice@contoso.com\","
            + "\"RecipientTypeDetails\":\"UserMailbox\",\"IsDirSynced\":true,\"IsExchangeCloudManaged\":true,"
            + "\"CustomAttribute1\":\"Finance\",\"WhenChangedUTC\":\"2026-11-20T09:00:00Z\"},"
            + "{\"UserPrincipalName\":\"bob@contoso.com\",\"PrimarySmtpAddress\":\"bob@contoso.com\","
            + "\"RecipientTypeDetails\":\"UserMailbox\",\"IsDirSynced\":true,\"IsExchangeCloudManaged\":false,"
            + "\"CustomAttribute1\":\"HR\",\"WhenChangedUTC\":\"2026-11-20T09:00:00Z\"}]";

        private const string ReconcileNow = "{\"now\":\"2026-11-27T00:00:00Z\"}";

        private static void TestReconcileFiles()
        {
            string dir = NewRunDir();
            try
            {
                string ad = Path.Combine(dir, "ad.csv");
                string cloud = Path.Combine(dir, "mailboxes.json");
                File.WriteAllText(ad, AdCsv);
                File.WriteAllText(cloud, CloudJson);
                using (SoaCatalogHandle catalog = Api.BuiltinCatalog())
                using (SoaReconcileReportHandle report = Api.ReconcileFiles(catalog, ad, null, cloud, ReconcileNow))
                {
                    Use("soa_reconcile_files");
                    string json = Api.ReconcileReportJson(report);
                    Use("soa_reconcile_report_json");
                    Contains(json, "\"ldap_name\":\"extensionAttribute1\"", "the difference's attribute");
                    Contains(json, "\"class\":\"cloud_master_ad_stale\"", "the cloud masters alice's value");
                    Contains(json, "\"differences\":1,", "one difference");
                    Contains(json, "\"matched\":2,", "both accounts matched");

                    string html = Path.Combine(dir, "report.html");
                    Api.SaveReconcileReportHtml(report, html);
                    Use("soa_reconcile_report_save_html");
                    Contains(File.ReadAllText(html), "cloud_master_ad_stale", "the HTML report");
                    string csv = Path.Combine(dir, "report.csv");
                    Api.SaveReconcileReportCsv(report, csv);
                    Use("soa_reconcile_report_save_csv");
                    Equal(2, File.ReadAllLines(csv).Length, "the CSV report: a header and one row");
                    string saved = Path.Combine(dir, "report.json");
                    Api.SaveReconcileReportJson(report, saved);
                    Use("soa_reconcile_report_save_json");
                    using (SoaReconcileReportHandle loaded = Api.LoadReconcileReport(saved))
                    {
                        Use("soa_reconcile_report_load_json");
                        Equal(json, Api.ReconcileReportJson(loaded), "the JSON report read back");
                        string same = Api.ReconcileChangesSince(loaded, report);
                        Use("soa_reconcile_report_changes_since");
                        Contains(same, "\"new\":[],\"resolved\":[],\"changed\":[],\"unchanged\":1", "a report against itself");
                    }
                    // AD caught up: the difference is resolved in the later report.
                    File.WriteAllText(ad, AdCsv.Replace("\"Sales\"", "\"Finance\""));
                    using (SoaReconcileReportHandle later = Api.ReconcileFiles(null, ad, "csv", cloud, ReconcileNow))
                    {
                        Contains(Api.ReconcileChangesSince(later, report), "\"resolved\":[{", "resolved since");
                    }

                    string ldif = Path.Combine(dir, "plan.ldf");
                    string ps1 = Path.Combine(dir, "plan.ps1");
                    Equal(1L, Api.SaveWritebackPlan(report, null, ldif, ps1), "one planned change");
                    Use("soa_writeback_plan_save");
                    Contains(File.ReadAllText(ldif), "replace: extensionAttribute1\nextensionAttribute1: Finance\n", "the LDIF");
                    Contains(File.ReadAllText(ps1), "Set-ADUser -Identity 'a0000000-0000-0000-0000-000000000001'", "the script");
                    Equal(0L, Api.SaveWritebackPlan(report, "{\"mailboxes\":[\"bob@contoso.com\"]}", null, null), "bob has nothing to write back");
                    Equal(1L, Api.SaveWritebackPlan(report, "{\"attributes\":[\"CustomAttribute1\"]}", null, null), "by catalog name");
                    Throws(SoaStatus.InvalidJson, () => Api.SaveWritebackPlan(report, "{\"classes\":[\"stale\"]}", null, null), "an unknown class");
                }
            }
            finally
            {
                RemoveDir(dir);
            }
        }

        private static void TestReconcileLive()
        {
            string dir = NewRunDir();
            try
            {
                string ad = Path.Combine(dir, "ad.csv");
                File.WriteAllText(ad, AdCsv);
                List<string> events = new List<string>();
                using (SoaSimHandle sim = FlippedOrg())
                using (SoaBackendHandle backend = Api.BackendFromSim(sim))
                using (SoaSessionHandle session = Api.NewSession(backend, null, null, null))
                using (SoaReconcileReportHandle report = Api.ReconcileLive(session, ad, null, ReconcileNow, e => events.Add(e)))
                {
                    Use("soa_reconcile_live");
                    string json = Api.ReconcileReportJson(report);
                    Contains(json, "\"cloud_value\":\"Cloud\"", "the cloud edit");
                    Contains(json, "\"class\":\"cloud_master_ad_stale\"", "alice is cloud-managed");
                    Contains(json, "\"ad_only\":[{", "bob has no mailbox in the organization");
                    True(events.Count >= 2, "progress events: " + events.Count);
                    Contains(string.Join("\n", events.ToArray()), "\"phase\":\"cloud\"", "the cloud side's progress");
                    Contains(events[events.Count - 1], "\"phase\":\"directory\"", "the directory side is read last");
                    Throws(SoaStatus.InvalidInput, () => Api.ReconcileLive(session, ad, "xml", null, null), "an unknown format");
                    try
                    {
                        Api.ReconcileLive(session, ad, null, ReconcileNow, e => { throw new InvalidOperationException("stop"); });
                        throw new TestFailure("the delegate's exception was swallowed");
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
            }
            finally
            {
                RemoveDir(dir);
            }
        }

        private static void TestReconcileMisuse()
        {
            string dir = NewRunDir();
            try
            {
                string bad = Path.Combine(dir, "bad.csv");
                string cloud = Path.Combine(dir, "mailboxes.json");
                File.WriteAllText(bad, "UserPrincipalName,extensionAttribute1\nalice@contoso.com,Sales\nbob@contoso.com,HR,extra\n");
                File.WriteAllText(cloud, CloudJson);
                SoaException e = Throws(SoaStatus.InvalidInput, () => Api.ReconcileFiles(null, bad, null, cloud, null), "a malformed CSV");
                Contains(e.Message, "bad.csv line 3", "the file and the line");
                Throws(SoaStatus.Io, () => Api.ReconcileFiles(null, Path.Combine(dir, "missing.csv"), null, cloud, null), "a missing export");
                Throws(SoaStatus.InvalidInput, () => Api.ReconcileFiles(null, bad, "xml", cloud, null), "an unknown format");
                Throws(SoaStatus.Io, () => Api.LoadReconcileReport(Path.Combine(dir, "missing.json")), "a missing report");
                Throws(SoaStatus.InvalidJson, () => Api.LoadReconcileReport(cloud), "a file that is not a report");
                IntPtr raw;
                Equal(SoaStatus.NullArgument, Native.soa_reconcile_files(new SoaCatalogHandle(), null, null, cloud, null, out raw), "a NULL ad_path");
                Contains(Api.LastError(), "`ad_path`", "the message names the parameter");
                using (SoaReconcileReportHandle none = new SoaReconcileReportHandle())
                {
                    Throws(SoaStatus.NullArgument, () => Api.ReconcileReportJson(none), "a NULL report");
                    Throws(SoaStatus.NullArgument, () => Api.SaveWritebackPlan(none, null, null, null), "a plan of a NULL report");
                }
                using (SoaSessionHandle none = new SoaSessionHandle())
                {
                    Throws(SoaStatus.NullArgument, () => Api.ReconcileLive(none, bad, null, null, null), "a NULL session");
                }
                string good = Path.Combine(dir, "ok.csv");
                File.WriteAllText(good, AdCsv);
                SoaReconcileReportHandle disposed = Api.ReconcileFiles(null, good, null, cloud, null);
                disposed.Dispose();
                disposed.Dispose();
                try
                {
                    Api.ReconcileReportJson(disposed);
                    throw new TestFailure("a disposed report was used");
                }
                catch (ObjectDisposedException)
                {
                }
                Native.soa_reconcile_report_free(IntPtr.Zero);
                Use("soa_reconcile_report_free");
            }
            finally
            {
                RemoveDir(dir);
            }
        }

        private const string LegacyScript =
            "# Set-RemoteMailbox in a comment is not a command\n"
            + "Set-ADUser jdoe -Replace @{extensionAttribute1='Finance'}\n";

        private static void TestAuditScripts()
        {
            string dir = NewRunDir();
            try
            {
                string scripts = Path.Combine(dir, "scripts");
                Directory.CreateDirectory(Path.Combine(scripts, "nested"));
                string script = Path.Combine(scripts, "nested", "alias.ps1");
                File.WriteAllText(script, LegacyScript);
                File.WriteAllText(Path.Combine(scripts, "clean.ps1"), "Get-Date\n");
                using (SoaCatalogHandle catalog = Api.BuiltinCatalog())
                {
                    string json = Api.AuditScripts(catalog, scripts, null);
                    Use("soa_audit_scripts");
                    Contains(json, "\"rule\":\"SOA-PS002\"", "the AD write of an exchange attribute");
                    Contains(json, "\"line\":2,", "its line");
                    Equal(2, Count(json, "\"path\":"), "both scripts are in the report");
                    string sarif = Api.AuditScriptsSarif(null, script, "{\"max_file_bytes\":100000}");
                    Use("soa_audit_scripts_sarif");
                    Contains(sarif, "\"version\":\"2.1.0\"", "SARIF");
                    Contains(sarif, "\"ruleId\":\"SOA-PS002\"", "the result's rule");
                    string text = Api.AuditScriptsText(null, scripts, null);
                    Use("soa_audit_scripts_text");
                    Contains(text, "1 findings (1 errors, 0 warnings, 0 notes) in 1 of 2 files", "the summary line");

                    string copies = Path.Combine(dir, "fixed");
                    Equal(1L, Api.FixScripts(catalog, scripts, null, copies, false), "one rewritten copy");
                    Use("soa_audit_scripts_fix");
                    Equal("# Set-RemoteMailbox in a comment is not a command\nSet-Mailbox -Identity 'jdoe' -CustomAttribute1 'Finance'\n",
                        File.ReadAllText(Path.Combine(copies, "nested", "alias.ps1")), "the copy keeps the folder layout");
                    True(!File.Exists(Path.Combine(copies, "clean.ps1")), "a script without a rewrite is not copied");
                    Equal(LegacyScript, File.ReadAllText(script), "the script itself is untouched");
                    SoaException refused = Throws(SoaStatus.Refused,
                        () => Api.FixScripts(catalog, script, null, Path.GetDirectoryName(script), false), "a copy over the script");
                    Contains(refused.Message, "in place", "the refusal says why");
                    Equal(LegacyScript, File.ReadAllText(script), "still untouched");
                    Equal(1L, Api.FixScripts(catalog, script, null, null, true), "in place when asked");
                    Contains(File.ReadAllText(script), "Set-Mailbox -Identity 'jdoe'", "rewritten in place");
                    Equal(0L, Api.FixScripts(catalog, script, null, null, true), "nothing left to rewrite");
                }
            }
            finally
            {
                RemoveDir(dir);
            }
        }

        private static void TestAuditScriptsMisuse()
        {
            string dir = NewRunDir();
            try
            {
                string script = Path.Combine(dir, "a.ps1");
                File.WriteAllText(script, LegacyScript);
                Throws(SoaStatus.Io, () => Api.AuditScripts(null, Path.Combine(dir, "missing"), null), "a missing path");
                Throws(SoaStatus.InvalidJson, () => Api.AuditScripts(null, script, "{\"max_bytes\":1}"), "an unknown option");
                Throws(SoaStatus.InvalidInput, () => Api.AuditScriptsSarif(null, script, "[]"), "options that are not an object");
                SoaException noFolder = Throws(SoaStatus.NullArgument, () => Api.FixScripts(null, script, null, null, false), "a copy without a folder");
                Contains(noFolder.Message, "`out_dir`", "the message names the parameter");
                Throws(SoaStatus.InvalidInput, () => Api.FixScripts(null, script, null, dir, true), "in place with a folder");
                IntPtr json;
                Equal(SoaStatus.NullArgument, Native.soa_audit_scripts(new SoaCatalogHandle(), null, null, out json), "a NULL path");
                Equal(SoaStatus.InvalidUtf8, Raw.soa_audit_scripts(IntPtr.Zero, new byte[] { (byte)'a', 0xFF, (byte)'.', 0 }, IntPtr.Zero, out json),
                    "invalid UTF-8 in the path");
                Contains(Api.LastError(), "`path`", "the message names the parameter");
                Equal(LegacyScript, File.ReadAllText(script), "nothing was written");
            }
            finally
            {
                RemoveDir(dir);
            }
        }

        private static void TestEveryExportCalled()
        {
            List<string> missing = new List<string>();
            List<string> unbound = new List<string>();
            int declared = 0;
            foreach (MethodInfo method in typeof(Native).GetMethods(BindingFlags.Public | BindingFlags.Static))
            {
                if ((method.Attributes & MethodAttributes.PinvokeImpl) == 0)
                {
                    continue;
                }
                declared++;
                if (!Called.Contains(method.Name))
                {
                    missing.Add(method.Name);
                }
                // Binds the declaration now: throws EntryPointNotFoundException when the library
                // has no such symbol.
                try
                {
                    Marshal.Prelink(method);
                }
                catch (EntryPointNotFoundException)
                {
                    unbound.Add(method.Name);
                }
            }
            True(declared > 0, "SoaNative.cs declares no export");
            True(unbound.Count == 0, "declared but not exported by the library: " + string.Join(", ", unbound.ToArray()));
            True(missing.Count == 0, "declared but never called: " + string.Join(", ", missing.ToArray()));
            // Every Called name is a declaration (a typo in Use() would hide a missing call).
            foreach (string name in Called)
            {
                True(typeof(Native).GetMethod(name, BindingFlags.Public | BindingFlags.Static) != null,
                    "Use(\"" + name + "\") names no declaration of SoaNative.cs");
            }
        }
    }
}
