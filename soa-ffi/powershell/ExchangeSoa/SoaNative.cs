// ExchangeSoa: the P/Invoke layer over the exchange-soa C ABI (libsoa_ffi.so, libsoa_ffi.dylib,
// soa_ffi.dll).
//
// One file, compiled two ways:
//   - by PowerShell 7 (.NET 6 or later) with `Add-Type -Path SoaNative.cs` when the ExchangeSoa
//     module is imported;
//   - by Mono's `mcs` (.NET Framework 4.x profile) together with tests/csharp/SoaNativeTests.cs,
//     so that this layer is tested where no PowerShell host is available.
// It therefore keeps to C# 6 and to APIs present in both runtimes: no Span, no `using var`, no
// Marshal.PtrToStringUTF8 (missing before .NET Framework 4.7 / in older Mono), and the
// .NET Core-only NativeLibrary API is reached through reflection.
//
// The contract of the C ABI (soa-ffi/src/ffi.rs) that this file relies on:
//   - every fallible function returns an int32 status (SoaStatus); out-parameters are written
//     only on success;
//   - strings go in as NUL-terminated UTF-8; strings that come out are owned by the library
//     and are released with soa_string_free (soa_version and soa_status_name return static
//     strings that must not be released);
//   - soa_last_error() returns the calling thread's last failure message as an owned string, or
//     NULL after a success;
//   - a catalog handle is released with soa_catalog_free, which ignores NULL;
//   - complex values are UTF-8 JSON in the serde shape of the soa-core type.
// No signature uses `bool` (it would marshal as a 4-byte Win32 BOOL), and no function returns a
// managed `string` (the marshaller would free it with CoTaskMemFree).

using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace ExchangeSoa
{
    /// <summary>
    /// The status codes of the C ABI (enum soa_status in soa.h). The values are fixed by the
    /// library and are never renumbered: 0 success, 1-99 misuse of the ABI, 100-199 bad input,
    /// 200-299 the environment, 300-399 Exchange Online refused the operation.
    /// </summary>
    public enum SoaStatus : int
    {
        /// <summary>Success; out-parameters were written.</summary>
        Ok = 0,
        /// <summary>A required pointer argument was NULL.</summary>
        NullArgument = 1,
        /// <summary>A string argument was not valid UTF-8.</summary>
        InvalidUtf8 = 2,
        /// <summary>The library caught a panic (a bug in the library).</summary>
        Panic = 3,
        /// <summary>An error of a kind this version of the ABI does not name.</summary>
        Unknown = 99,
        /// <summary>A proxy address, or a set of them, is malformed.</summary>
        InvalidProxyAddress = 100,
        /// <summary>An SMTP address is malformed.</summary>
        InvalidSmtpAddress = 101,
        /// <summary>A version string is malformed.</summary>
        InvalidVersion = 102,
        /// <summary>A recipient type is malformed.</summary>
        InvalidRecipientType = 103,
        /// <summary>An attribute name is not in the catalog.</summary>
        UnknownAttribute = 104,
        /// <summary>A catalog override is inconsistent.</summary>
        InvalidCatalog = 105,
        /// <summary>A value is not acceptable.</summary>
        InvalidInput = 106,
        /// <summary>A JSON argument is malformed or has the wrong shape.</summary>
        InvalidJson = 107,
        /// <summary>A file could not be read or written.</summary>
        Io = 200,
        /// <summary>The mailbox, user or account does not exist.</summary>
        NotFound = 300,
        /// <summary>The caller holds no role that grants the cmdlet parameter.</summary>
        AccessDenied = 301,
        /// <summary>The attribute is mastered on-premises: the mailbox is dir-synced and not
        /// cloud-managed.</summary>
        OutOfWriteScope = 302,
        /// <summary>Exchange Online refused the operation for another reason.</summary>
        ExchangeRefused = 303,
    }

    /// <summary>
    /// A failed call into the native library: the status it returned and the message it gave.
    /// </summary>
    public class SoaException : Exception
    {
        /// <summary>Makes an exception for a failed call.</summary>
        public SoaException(SoaStatus status, string statusName, string message)
            : base(string.IsNullOrEmpty(message) ? statusName : message)
        {
            Status = status;
            StatusName = statusName;
        }

        /// <summary>The status the native function returned.</summary>
        public SoaStatus Status { get; private set; }

        /// <summary>The status's name, e.g. "SOA_STATUS_INVALID_VERSION".</summary>
        public string StatusName { get; private set; }

        /// <summary>Whether the call failed on bad input (status 100-199): a value to correct,
        /// not a fault of the library or of the caller's code.</summary>
        public bool IsInvalidInput
        {
            get { return (int)Status >= 100 && (int)Status < 200; }
        }
    }

    /// <summary>
    /// An attribute catalog (soa_catalog*). Releasing it calls soa_catalog_free exactly once,
    /// however many times Dispose is called; a handle in use by a native call is released only
    /// when that call returns.
    /// </summary>
    public sealed class SoaCatalogHandle : SafeHandle
    {
        /// <summary>An invalid (NULL) handle.</summary>
        public SoaCatalogHandle()
            : base(IntPtr.Zero, true)
        {
        }

        /// <summary>Takes ownership of a catalog pointer returned by the library.</summary>
        public SoaCatalogHandle(IntPtr existing)
            : base(IntPtr.Zero, true)
        {
            SetHandle(existing);
        }

        /// <summary>Whether the handle is NULL.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        /// <summary>Releases the catalog.</summary>
        protected override bool ReleaseHandle()
        {
            Native.soa_catalog_free(handle);
            return true;
        }
    }

    /// <summary>
    /// The exports of soa_ffi, one declaration each, with the C signatures of soa.h. Prefer
    /// <see cref="Api"/>, which checks statuses, reads the error message and frees strings.
    /// </summary>
    public static class Native
    {
        /// <summary>The library name given to DllImport: the runtime probes soa_ffi.dll,
        /// libsoa_ffi.so and libsoa_ffi.dylib (see <see cref="NativeLoader"/>).</summary>
        public const string LibraryName = "soa_ffi";

        // --- catalog ---------------------------------------------------------------------------

        /// <summary>soa_status soa_catalog_builtin(soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_builtin(out IntPtr catalog);

        /// <summary>soa_status soa_catalog_with_override_json(const soa_catalog *base,
        /// const char *json, const char *origin, soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_with_override_json(
            SoaCatalogHandle baseCatalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string json,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string origin,
            out IntPtr catalog);

        /// <summary>soa_status soa_catalog_with_override_file(const soa_catalog *base,
        /// const char *path, soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_with_override_file(
            SoaCatalogHandle baseCatalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
            out IntPtr catalog);

        /// <summary>void soa_catalog_free(soa_catalog *catalog); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_catalog_free(IntPtr catalog);

        /// <summary>soa_status soa_catalog_len(const soa_catalog *catalog, size_t *out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_len(SoaCatalogHandle catalog, out UIntPtr count);

        /// <summary>soa_status soa_catalog_lookup(const soa_catalog *catalog, const char *name,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_lookup(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            out IntPtr json);

        /// <summary>soa_status soa_catalog_to_json(const soa_catalog *catalog, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_to_json(SoaCatalogHandle catalog, out IntPtr json);

        // --- authority -------------------------------------------------------------------------

        /// <summary>soa_status soa_master(const soa_catalog *catalog, const char *state_json,
        /// const char *attribute, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_master(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string stateJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string attribute,
            out IntPtr json);

        /// <summary>soa_status soa_decide_edit(const soa_catalog *catalog, const char *state_json,
        /// const char *edit_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_decide_edit(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string stateJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string editJson,
            out IntPtr json);

        /// <summary>soa_status soa_rollback_loss(const soa_catalog *catalog, const char *state_json,
        /// const char *cloud_json, const char *ad_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_rollback_loss(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string stateJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string cloudJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string adJson,
            out IntPtr json);

        // --- model -----------------------------------------------------------------------------

        /// <summary>soa_status soa_proxy_address_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_address_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr json);

        /// <summary>soa_status soa_proxy_addresses_parse(const char *json_array, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_addresses_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string jsonArray,
            out IntPtr json);

        /// <summary>soa_status soa_smtp_address_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_smtp_address_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr json);

        /// <summary>soa_status soa_sync_version_parse(const char *text, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr normalized);

        /// <summary>soa_status soa_sync_version_compare(const char *a, const char *b, int32_t *out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_compare(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string a,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string b,
            out int result);

        /// <summary>soa_status soa_recipient_type_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_recipient_type_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr json);

        // --- preflight -------------------------------------------------------------------------

        /// <summary>soa_status soa_preflight_check_organization(const char *preflight_json,
        /// uint64_t planned, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_check_organization(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string preflightJson,
            ulong planned,
            out IntPtr json);

        /// <summary>soa_status soa_preflight_check_mailbox(const char *preflight_json,
        /// const char *mailbox_json, const char *ad_when_changed, const char *now,
        /// char **out_json); the two times may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_check_mailbox(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string preflightJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string mailboxJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string adWhenChanged,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string now,
            out IntPtr json);

        // --- status, errors, memory ------------------------------------------------------------

        /// <summary>const char *soa_status_name(int32_t status): a static string, never freed.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern IntPtr soa_status_name(int status);

        /// <summary>const char *soa_version(void): a static string, never freed.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern IntPtr soa_version();

        /// <summary>char *soa_last_error(void): the calling thread's last failure message (owned:
        /// release with soa_string_free), or NULL after a success.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern IntPtr soa_last_error();

        /// <summary>void soa_string_free(char *s): releases a string the library returned; NULL is
        /// ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_string_free(IntPtr s);

        /// <summary>soa_status soa_debug_panic(void): panics inside the library's boundary, for
        /// tests of bindings; returns SOA_STATUS_PANIC.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_debug_panic();
    }

    /// <summary>
    /// Makes DllImport("soa_ffi") load the library from an absolute path, on runtimes that have
    /// System.Runtime.InteropServices.NativeLibrary (.NET Core 3.0 and later, so PowerShell 7).
    /// Elsewhere (Mono, .NET Framework) the usual search applies: LD_LIBRARY_PATH, the
    /// application's folder, or a dllmap.
    /// </summary>
    public static class NativeLoader
    {
        private static readonly object Gate = new object();
        private static string libraryPath;
        private static IntPtr loaded;
        private static bool registered;
        private static Delegate resolver;
        private static MethodInfo loadMethod;

        /// <summary>The path given to <see cref="UseLibrary"/>, or null.</summary>
        public static string LibraryPath
        {
            get { lock (Gate) { return libraryPath; } }
        }

        /// <summary>
        /// Binds the soa_ffi imports of this assembly to the library at <paramref name="fullPath"/>.
        /// Returns true when a resolver is in place (a second call only changes the path, which
        /// counts until the first import is bound); false on runtimes without NativeLibrary.
        /// </summary>
        public static bool UseLibrary(string fullPath)
        {
            if (fullPath == null)
            {
                throw new ArgumentNullException("fullPath");
            }
            lock (Gate)
            {
                libraryPath = fullPath;
                if (registered)
                {
                    return true;
                }
                Assembly core = typeof(Marshal).Assembly;
                Type nativeLibrary = core.GetType("System.Runtime.InteropServices.NativeLibrary", false);
                Type resolverType = core.GetType("System.Runtime.InteropServices.DllImportResolver", false);
                if (nativeLibrary == null || resolverType == null)
                {
                    return false;
                }
                MethodInfo setResolver = nativeLibrary.GetMethod(
                    "SetDllImportResolver", BindingFlags.Public | BindingFlags.Static);
                loadMethod = nativeLibrary.GetMethod(
                    "Load", BindingFlags.Public | BindingFlags.Static, null, new Type[] { typeof(string) }, null);
                MethodInfo target = typeof(NativeLoader).GetMethod(
                    "Resolve", BindingFlags.NonPublic | BindingFlags.Static);
                if (setResolver == null || loadMethod == null || target == null)
                {
                    return false;
                }
                resolver = Delegate.CreateDelegate(resolverType, target);
                try
                {
                    setResolver.Invoke(null, new object[] { typeof(Native).Assembly, resolver });
                }
                catch (TargetInvocationException e)
                {
                    // InvalidOperationException: another resolver is already set for this
                    // assembly. It is not ours, so say so rather than pretend.
                    throw new InvalidOperationException(
                        "cannot set the soa_ffi import resolver: " + e.InnerException.Message, e.InnerException);
                }
                registered = true;
                return true;
            }
        }

        // The DllImportResolver: (string libraryName, Assembly assembly, DllImportSearchPath? path).
        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != Native.LibraryName)
            {
                return IntPtr.Zero;
            }
            lock (Gate)
            {
                if (loaded != IntPtr.Zero || libraryPath == null)
                {
                    return loaded;
                }
                try
                {
                    loaded = (IntPtr)loadMethod.Invoke(null, new object[] { libraryPath });
                }
                catch (TargetInvocationException e)
                {
                    throw new DllNotFoundException(
                        "cannot load the exchange-soa native library '" + libraryPath + "': "
                        + e.InnerException.Message,
                        e.InnerException);
                }
                return loaded;
            }
        }
    }

    /// <summary>
    /// The managed facade: each method calls one export, throws <see cref="SoaException"/> (with
    /// the status and the library's message) on failure, frees what the library returned, and
    /// gives back a JSON string or a simple value. Call it from the thread that will read the
    /// error: the library's last error is per thread.
    /// </summary>
    public static class Api
    {
        // --- strings and errors ----------------------------------------------------------------

        /// <summary>Decodes a NUL-terminated UTF-8 string that the caller keeps owning; null for
        /// NULL. (Marshal.PtrToStringUTF8 is missing on older runtimes.)</summary>
        public static string PtrToStringUtf8(IntPtr ptr)
        {
            if (ptr == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(ptr, length) != 0)
            {
                length++;
            }
            if (length == 0)
            {
                return string.Empty;
            }
            byte[] bytes = new byte[length];
            Marshal.Copy(ptr, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Copies a library-owned string and releases it with soa_string_free; null for
        /// NULL.</summary>
        public static string TakeString(IntPtr owned)
        {
            if (owned == IntPtr.Zero)
            {
                return null;
            }
            try
            {
                return PtrToStringUtf8(owned);
            }
            finally
            {
                Native.soa_string_free(owned);
            }
        }

        /// <summary>The library version, e.g. "0.1.0".</summary>
        public static string Version()
        {
            return PtrToStringUtf8(Native.soa_version());
        }

        /// <summary>The name of a status code, e.g. "SOA_STATUS_INVALID_VERSION";
        /// "SOA_STATUS_UNKNOWN" for a value the library does not know.</summary>
        public static string StatusName(int status)
        {
            return PtrToStringUtf8(Native.soa_status_name(status));
        }

        /// <summary>The message of the last failed call on this thread, or null when the last
        /// call succeeded.</summary>
        public static string LastError()
        {
            return TakeString(Native.soa_last_error());
        }

        /// <summary>The exception for a failed call; reads this thread's last error, so call it
        /// right after the failed call.</summary>
        public static SoaException Failure(SoaStatus status)
        {
            string message = LastError();
            return new SoaException(status, StatusName((int)status), message);
        }

        /// <summary>Throws <see cref="SoaException"/> unless <paramref name="status"/> is Ok.</summary>
        public static void Check(SoaStatus status)
        {
            if (status != SoaStatus.Ok)
            {
                throw Failure(status);
            }
        }

        // Checks the status, then takes the owned string (released even when the status is a
        // failure and the library wrote it anyway, which the contract says it does not).
        private static string Finish(SoaStatus status, IntPtr owned)
        {
            try
            {
                Check(status);
                return PtrToStringUtf8(owned);
            }
            finally
            {
                if (owned != IntPtr.Zero)
                {
                    Native.soa_string_free(owned);
                }
            }
        }

        private static SoaCatalogHandle FinishCatalog(SoaStatus status, IntPtr raw)
        {
            if (status != SoaStatus.Ok)
            {
                SoaException failure = Failure(status);
                Native.soa_catalog_free(raw);
                throw failure;
            }
            return new SoaCatalogHandle(raw);
        }

        private static SoaCatalogHandle Usable(SoaCatalogHandle catalog, string name)
        {
            if (catalog == null)
            {
                throw new ArgumentNullException(name);
            }
            if (catalog.IsClosed)
            {
                throw new ObjectDisposedException(name, "the catalog handle has been disposed");
            }
            return catalog;
        }

        // --- catalog ---------------------------------------------------------------------------

        /// <summary>A new handle on the built-in catalog. Dispose it when done.</summary>
        public static SoaCatalogHandle BuiltinCatalog()
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_builtin(out raw);
            return FinishCatalog(status, raw);
        }

        /// <summary>A new catalog: <paramref name="baseCatalog"/> with an override document
        /// (JSON, {"attributes": [...]}) applied. <paramref name="origin"/> names the document in
        /// error messages.</summary>
        public static SoaCatalogHandle WithOverrideJson(SoaCatalogHandle baseCatalog, string json, string origin)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_with_override_json(
                Usable(baseCatalog, "baseCatalog"), json, origin, out raw);
            return FinishCatalog(status, raw);
        }

        /// <summary>A new catalog: <paramref name="baseCatalog"/> with an override file applied.</summary>
        public static SoaCatalogHandle WithOverrideFile(SoaCatalogHandle baseCatalog, string path)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_with_override_file(
                Usable(baseCatalog, "baseCatalog"), path, out raw);
            return FinishCatalog(status, raw);
        }

        /// <summary>The number of attributes in the catalog.</summary>
        public static long CatalogLength(SoaCatalogHandle catalog)
        {
            UIntPtr count = UIntPtr.Zero;
            Check(Native.soa_catalog_len(Usable(catalog, "catalog"), out count));
            return (long)count.ToUInt64();
        }

        /// <summary>One attribute, found by any of its names (case-insensitive), as JSON.</summary>
        public static string Lookup(SoaCatalogHandle catalog, string name)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_lookup(Usable(catalog, "catalog"), name, out json);
            return Finish(status, json);
        }

        /// <summary>The whole catalog as a JSON array of attributes.</summary>
        public static string CatalogJson(SoaCatalogHandle catalog)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_to_json(Usable(catalog, "catalog"), out json);
            return Finish(status, json);
        }

        // --- authority -------------------------------------------------------------------------

        /// <summary>Who masters an attribute for a mailbox in a state (a MailboxState as JSON), as
        /// a JSON string: "on_premises_ad", "exchange_online" or "entra_id".</summary>
        public static string Master(SoaCatalogHandle catalog, string stateJson, string attribute)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_master(Usable(catalog, "catalog"), stateJson, attribute, out json);
            return Finish(status, json);
        }

        /// <summary>The EditDecision (JSON) for a ProposedEdit (JSON) on a mailbox in a state.</summary>
        public static string DecideEdit(SoaCatalogHandle catalog, string stateJson, string editJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_decide_edit(Usable(catalog, "catalog"), stateJson, editJson, out json);
            return Finish(status, json);
        }

        /// <summary>The RollbackLoss (JSON) for cloud and AD values (JSON objects from attribute
        /// names to values).</summary>
        public static string RollbackLoss(SoaCatalogHandle catalog, string stateJson, string cloudJson, string adJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_rollback_loss(
                Usable(catalog, "catalog"), stateJson, cloudJson, adJson, out json);
            return Finish(status, json);
        }

        // --- model -----------------------------------------------------------------------------

        /// <summary>One proxy address as JSON: {"text","prefix","address","primary","is_smtp"}.</summary>
        public static string ParseProxyAddress(string text)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_proxy_address_parse(text, out json);
            return Finish(status, json);
        }

        /// <summary>A mailbox's proxy address set (a JSON array of strings), validated, as JSON:
        /// {"primary_smtp","addresses":[...]}.</summary>
        public static string ParseProxyAddresses(string jsonArray)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_proxy_addresses_parse(jsonArray, out json);
            return Finish(status, json);
        }

        /// <summary>An SMTP address as JSON: {"address","local_part","domain"}.</summary>
        public static string ParseSmtpAddress(string text)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_smtp_address_parse(text, out json);
            return Finish(status, json);
        }

        /// <summary>The normal form of a four-part version, e.g. "2.5.190.0".</summary>
        public static string ParseSyncVersion(string text)
        {
            IntPtr normalized = IntPtr.Zero;
            SoaStatus status = Native.soa_sync_version_parse(text, out normalized);
            return Finish(status, normalized);
        }

        /// <summary>Compares two four-part versions numerically: -1, 0 or 1.</summary>
        public static int CompareSyncVersions(string a, string b)
        {
            int result = 0;
            Check(Native.soa_sync_version_compare(a, b, out result));
            return result;
        }

        /// <summary>A recipient type as JSON: {"name","eligible","ineligibility_reason"}.</summary>
        public static string ParseRecipientType(string text)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_recipient_type_parse(text, out json);
            return Finish(status, json);
        }

        // --- preflight -------------------------------------------------------------------------

        /// <summary>The organization checks: a Preflight (JSON) and the number of mailboxes about
        /// to be flipped; returns the PreflightReport as JSON.</summary>
        public static string CheckOrganization(string preflightJson, ulong planned)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_preflight_check_organization(preflightJson, planned, out json);
            return Finish(status, json);
        }

        /// <summary>The mailbox checks for one mailbox (the JSON of Get-Mailbox). The times are
        /// RFC 3339 text or null (unknown; the current time).</summary>
        public static string CheckMailbox(string preflightJson, string mailboxJson, string adWhenChanged, string now)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_preflight_check_mailbox(
                preflightJson, mailboxJson, adWhenChanged, now, out json);
            return Finish(status, json);
        }

        // --- diagnostics -----------------------------------------------------------------------

        /// <summary>Makes the library panic inside its boundary: always throws a SoaException with
        /// status Panic. For tests.</summary>
        public static void DebugPanic()
        {
            Check(Native.soa_debug_panic());
        }
    }
}
