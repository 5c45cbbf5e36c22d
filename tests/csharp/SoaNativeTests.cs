// Tests of the PowerShell module's P/Invoke layer (soa-ffi/powershell/ExchangeSoa/SoaNative.cs)
// against the real libsoa_ffi. Compiled together with SoaNative.cs by Mono's mcs and run with
// mono (tests/lib/csharp.sh); PowerShell 7 compiles the same SoaNative.cs with Add-Type.
//
// Every export that SoaNative.cs declares is called at least once (the last test checks that by
// reflection), through the facade and through the raw declarations, and the ABI is misused on
// purpose: NULL handles and strings, invalid UTF-8, a NULL out-pointer, a forced panic, a
// disposed handle.
//
// Prints one line per test and ends with exactly `csharp: N passed, N failed`; exits 1 on any
// failure.

using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
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
            string path = Path.Combine(Path.GetTempPath(), "no-such-dir", "libsoa_ffi.so");
            Equal(hasNativeLibrary, NativeLoader.UseLibrary(path), "a resolver is set exactly where NativeLibrary exists");
            Equal(path, NativeLoader.LibraryPath, "the path is kept");
            // The library is already bound, so the path no longer matters.
            Equal("2.5.190.0", Api.ParseSyncVersion("2.5.190.0"), "a call after UseLibrary");
        }

        private static void TestEveryExportCalled()
        {
            List<string> missing = new List<string>();
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
            }
            Equal(23, declared, "exports declared in SoaNative.cs");
            True(missing.Count == 0, "declared but never called: " + string.Join(", ", missing.ToArray()));
        }
    }
}
