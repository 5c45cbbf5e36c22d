// ExchangeSoa: the P/Invoke layer over the exchange-soa C ABI (libsoa_ffi.so, libsoa_ffi.dylib,
// soa_ffi.dll).
//
// One file, compiled two ways:
//   - by PowerShell 7 (.NET 6 or later) with `Add-Type -Path SoaNative.cs` when the ExchangeSoa
//     module is imported;
//   - by Mono's `mcs` (.NET Framework 4.x profile) together with tests/csharp/SoaNativeTests.cs,
//     so that this layer is tested where no PowerShell host is available.
// Windows PowerShell 5.1 compiles it too (Add-Type there compiles C# 5 against .NET Framework
// 4.x), so it keeps to C# 5 and to APIs present in every runtime: no string interpolation, `?.`,
// `nameof`, expression-bodied members, `out var` or tuples; no Span; no
// Marshal.PtrToStringUTF8 or UnmanagedType.LPUTF8Str (missing before .NET Framework 4.7: strings
// go in through the Utf8In marshaler); and the .NET Core-only NativeLibrary API is reached
// through reflection (NativeLoader loads the library by full path on every runtime).
//
// The contract of the C ABI (soa-ffi/src/ffi.rs) that this file relies on:
//   - every fallible function returns an int32 status (SoaStatus); out-parameters are written
//     only on success;
//   - strings go in as NUL-terminated UTF-8; strings that come out are owned by the library
//     and are released with soa_string_free (soa_version and soa_status_name return static
//     strings that must not be released);
//   - soa_last_error() returns the calling thread's last failure message as an owned string, or
//     NULL after a success;
//   - a handle is released with its _free function (soa_catalog_free, soa_sim_free,
//     soa_mailbox_pager_free, soa_client_free, soa_emulator_free, soa_backend_free,
//     soa_directory_free, soa_session_free, soa_reconcile_report_free), which ignores NULL; in
//     C# each kind is a SoaHandle that names its _free function once;
//   - Exchange Online operations take a backend (soa_backend_*), workflows take a session;
//   - the progress callback of soa_transfer_run, soa_transfer_resume and soa_reconcile_live is
//     called on the calling thread, before the call returns; the facade keeps its delegate alive for the call and
//     never lets a managed exception unwind through the native frames (it is rethrown after the
//     call returns);
//   - complex values are UTF-8 JSON in the serde shape of the soa-core type.
// No signature uses `bool` (it would marshal as a 4-byte Win32 BOOL), and no function returns a
// managed `string` (the marshaller would free it with CoTaskMemFree).

using System;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ExchangeSoa
{
    /// <summary>
    /// The status codes of the C ABI (enum soa_status in soa.h). The values are fixed by the
    /// library and are never renumbered: 0 success, 1-99 misuse of the ABI, 100-199 bad input,
    /// 200-299 the environment, 300-399 Exchange Online refused the operation (or could not be
    /// reached), 400-499 a safety rule of the library refused it.
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
        /// <summary>The call was made from a progress callback while the call that made it was
        /// running; it did nothing.</summary>
        Reentrant = 4,
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
        /// <summary>Exchange Online kept throttling after every allowed retry.</summary>
        Throttled = 310,
        /// <summary>The service could not be reached.</summary>
        Transport = 311,
        /// <summary>Authentication failed.</summary>
        Auth = 312,
        /// <summary>The gateway answered with another HTTP error.</summary>
        Http = 313,
        /// <summary>A safety rule of the library refused the operation.</summary>
        Refused = 400,
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
    /// The base of every handle on a library object: a SafeHandle whose release calls the
    /// object's _free function exactly once, however many times Dispose is called; a handle in
    /// use by a native call is released only when that call returns. An invalid (NULL) handle
    /// crosses as NULL, which is how an optional argument is left out.
    /// </summary>
    public abstract class SoaHandle : SafeHandle
    {
        /// <summary>An invalid (NULL) handle.</summary>
        protected SoaHandle()
            : base(IntPtr.Zero, true)
        {
        }

        /// <summary>Whether the handle is NULL.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        /// <summary>What the handle is, for messages ("catalog", "session", ...).</summary>
        public abstract string Kind { get; }

        /// <summary>Takes ownership of a pointer the library returned.</summary>
        internal void Own(IntPtr existing)
        {
            SetHandle(existing);
        }

        /// <summary>Calls the object's _free function on the pointer.</summary>
        protected abstract void Free(IntPtr pointer);

        /// <summary>Releases the object.</summary>
        protected override bool ReleaseHandle()
        {
            Free(handle);
            return true;
        }
    }

    /// <summary>An attribute catalog (soa_catalog*), immutable once made.</summary>
    public sealed class SoaCatalogHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "catalog"; } }

        /// <summary>Calls soa_catalog_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_catalog_free(pointer); }
    }

    /// <summary>
    /// A simulated hybrid organization (soa_sim*): its constructors and simulation controls
    /// (clock, sync cycles, AD edits, licenses). Handles made from one another
    /// (<see cref="Api.SimAsPrincipal"/>) share the organization, which lives until the last of
    /// them, and of the backends, directories and sessions made from it, is released.
    /// </summary>
    public sealed class SoaSimHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "simulated organization"; } }

        /// <summary>Calls soa_sim_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_sim_free(pointer); }
    }

    /// <summary>
    /// A lazy listing of mailboxes (soa_mailbox_pager*), read one page at a time with
    /// <see cref="Api.NextMailboxPage"/>. It keeps what it lists alive on its own. Concurrent
    /// calls on one pager are serialized by the library: each mailbox comes exactly once.
    /// </summary>
    public sealed class SoaMailboxPagerHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "mailbox pager"; } }

        /// <summary>Calls soa_mailbox_pager_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_mailbox_pager_free(pointer); }
    }

    /// <summary>
    /// A connection to a tenant's Exchange Online through the REST client (soa_client*). It
    /// owns the client's runtime and connection pool; backends made from it keep working after
    /// it is released.
    /// </summary>
    public sealed class SoaClientHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "client"; } }

        /// <summary>Calls soa_client_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_client_free(pointer); }
    }

    /// <summary>
    /// A running HTTP emulator of the Exchange Online gateway (soa_emulator*), serving a
    /// simulated organization on loopback. Releasing it stops it if
    /// <see cref="Api.StopEmulator"/> has not.
    /// </summary>
    public sealed class SoaEmulatorHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "emulator"; } }

        /// <summary>Calls soa_emulator_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_emulator_free(pointer); }
    }

    /// <summary>
    /// An Exchange Online (soa_backend*): a simulated organization or a tenant through the REST
    /// client, which it keeps alive. Every Exchange Online operation of <see cref="Api"/> takes
    /// one.
    /// </summary>
    public sealed class SoaBackendHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "backend"; } }

        /// <summary>Calls soa_backend_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_backend_free(pointer); }
    }

    /// <summary>
    /// An on-premises directory (soa_directory*): where AD's values and whenChanged are read
    /// for the settle rule, the backups and the rollback's loss report.
    /// </summary>
    public sealed class SoaDirectoryHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "directory"; } }

        /// <summary>Calls soa_directory_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_directory_free(pointer); }
    }

    /// <summary>
    /// A session (soa_session*): an Exchange Online, an optional on-premises directory, the
    /// catalog, the clock and the actor, every default decided once by the library. Every
    /// workflow of <see cref="Api"/> (preflight, plan, run, resume, rollback, restore,
    /// reconcile live, RBAC review, the tenant default) takes one.
    /// </summary>
    public sealed class SoaSessionHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "session"; } }

        /// <summary>Calls soa_session_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_session_free(pointer); }
    }

    /// <summary>A reconciliation report of AD against Exchange Online (soa_reconcile_report*),
    /// immutable once made.</summary>
    public sealed class SoaReconcileReportHandle : SoaHandle
    {
        /// <summary>The kind of object.</summary>
        public override string Kind { get { return "reconciliation report"; } }

        /// <summary>Calls soa_reconcile_report_free.</summary>
        protected override void Free(IntPtr pointer) { Native.soa_reconcile_report_free(pointer); }
    }

    /// <summary>
    /// soa_progress_fn: void (*)(const char *event_json, void *user_data). The JSON is borrowed
    /// for the call. Called on the thread that called the workflow function.
    /// </summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void SoaProgressCallback(IntPtr eventJson, IntPtr userData);

    /// <summary>
    /// Marshals a managed string as a NUL-terminated UTF-8 string the native call borrows (null
    /// crosses as NULL). UnmanagedType.LPUTF8Str is missing before .NET Framework 4.7, which
    /// Windows PowerShell 5.1 may run on; a custom marshaler works on every runtime.
    /// </summary>
    public sealed class Utf8In : ICustomMarshaler
    {
        private static readonly Utf8In Instance = new Utf8In();

        /// <summary>The marshaler (the runtime asks for it by this name).</summary>
        public static ICustomMarshaler GetInstance(string cookie)
        {
            return Instance;
        }

        /// <summary>Copies the string to unmanaged memory as UTF-8 with a NUL.</summary>
        public IntPtr MarshalManagedToNative(object managed)
        {
            string text = managed as string;
            if (text == null)
            {
                return IntPtr.Zero;
            }
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            IntPtr native = Marshal.AllocHGlobal(bytes.Length + 1);
            Marshal.Copy(bytes, 0, native, bytes.Length);
            Marshal.WriteByte(native, bytes.Length, 0);
            return native;
        }

        /// <summary>Frees the copy once the call has returned.</summary>
        public void CleanUpNativeData(IntPtr native)
        {
            if (native != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(native);
            }
        }

        /// <summary>Not used: strings only go in.</summary>
        public object MarshalNativeToManaged(IntPtr native)
        {
            return Api.PtrToStringUtf8(native);
        }

        /// <summary>Not used: strings only go in.</summary>
        public void CleanUpManagedData(object managed)
        {
        }

        /// <summary>-1: a pointer, not a fixed-size value.</summary>
        public int GetNativeDataSize()
        {
            return -1;
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
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string json,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string origin,
            out IntPtr catalog);

        /// <summary>soa_status soa_catalog_with_override_file(const soa_catalog *base,
        /// const char *path, soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_with_override_file(
            SoaCatalogHandle baseCatalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
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
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string name,
            out IntPtr json);

        /// <summary>soa_status soa_catalog_to_json(const soa_catalog *catalog,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_to_json(SoaCatalogHandle catalog, out IntPtr json);

        // --- authority -------------------------------------------------------------------------

        /// <summary>soa_status soa_master(const soa_catalog *catalog, const char *state_json,
        /// const char *attribute, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_master(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string stateJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string attribute,
            out IntPtr json);

        /// <summary>soa_status soa_decide_edit(const soa_catalog *catalog, const char *state_json,
        /// const char *edit_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_decide_edit(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string stateJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string editJson,
            out IntPtr json);

        /// <summary>soa_status soa_rollback_loss(const soa_catalog *catalog, const char *state_json,
        /// const char *cloud_json, const char *ad_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_rollback_loss(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string stateJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string cloudJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string adJson,
            out IntPtr json);

        // --- model -----------------------------------------------------------------------------

        /// <summary>soa_status soa_proxy_address_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_address_parse(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string text,
            out IntPtr json);

        /// <summary>soa_status soa_proxy_addresses_parse(const char *json_array,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_addresses_parse(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string jsonArray,
            out IntPtr json);

        /// <summary>soa_status soa_smtp_address_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_smtp_address_parse(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string text,
            out IntPtr json);

        /// <summary>soa_status soa_sync_version_parse(const char *text, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_parse(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string text,
            out IntPtr normalized);

        /// <summary>soa_status soa_sync_version_compare(const char *a, const char *b,
        /// int32_t *out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_compare(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string a,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string b,
            out int result);

        /// <summary>soa_status soa_recipient_type_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_recipient_type_parse(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string text,
            out IntPtr json);

        // --- preflight -------------------------------------------------------------------------

        /// <summary>soa_status soa_preflight_check_organization(const char *preflight_json,
        /// uint64_t planned, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_check_organization(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string preflightJson,
            ulong planned,
            out IntPtr json);

        /// <summary>soa_status soa_preflight_check_mailbox(const char *preflight_json,
        /// const char *mailbox_json, const char *ad_when_changed, const char *now,
        /// char **out_json); the two times may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_check_mailbox(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string preflightJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string mailboxJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string adWhenChanged,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string now,
            out IntPtr json);

        // --- simulated organization: lifecycle -------------------------------------------------

        /// <summary>soa_status soa_sim_new(const char *tenant, soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_new(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string tenant,
            out IntPtr sim);

        /// <summary>soa_status soa_sim_generate(uint64_t size, uint64_t seed, soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_generate(ulong size, ulong seed, out IntPtr sim);

        /// <summary>soa_status soa_sim_load(const char *path, soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_load(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            out IntPtr sim);

        /// <summary>soa_status soa_sim_save(const soa_sim *sim, const char *path)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_save(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path);

        /// <summary>soa_status soa_sim_as_principal(const soa_sim *sim, const char *principal,
        /// soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_as_principal(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string principal,
            out IntPtr asPrincipal);

        /// <summary>void soa_sim_free(soa_sim *sim); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_sim_free(IntPtr sim);

        /// <summary>soa_status soa_sim_add_principal(const soa_sim *sim, const char *principal,
        /// const char *roles_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_principal(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string principal,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string rolesJson);

        /// <summary>soa_status soa_sim_summary(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_summary(SoaSimHandle sim, out IntPtr json);

        // --- simulated organization: clock and sync engines ------------------------------------

        /// <summary>soa_status soa_sim_now(const soa_sim *sim, char **out): RFC 3339 text.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_now(SoaSimHandle sim, out IntPtr now);

        /// <summary>soa_status soa_sim_advance(const soa_sim *sim, int64_t minutes,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_advance(SoaSimHandle sim, long minutes, out IntPtr json);

        /// <summary>soa_status soa_sim_sync_cycle(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_sync_cycle(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_writeback_cycle(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_writeback_cycle(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_sync_errors(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_sync_errors(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_set_connect_sync_version(const soa_sim *sim,
        /// const char *version)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_connect_sync_version(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string version);

        /// <summary>soa_status soa_sim_set_cloud_sync_agent(const soa_sim *sim, const char *agent_json);
        /// agent_json may be NULL (removes the agent).</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_cloud_sync_agent(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string agentJson);

        // --- simulated organization: the on-premises side --------------------------------------

        /// <summary>soa_status soa_sim_add_ad_user(const soa_sim *sim, const char *user_json,
        /// char **out_guid)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_ad_user(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string userJson,
            out IntPtr guid);

        /// <summary>soa_status soa_sim_ad_attributes(const soa_sim *sim, const char *identity,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_ad_attributes(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            out IntPtr json);

        /// <summary>soa_status soa_sim_set_ad_attributes(const soa_sim *sim, const char *identity,
        /// const char *changes_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_ad_attributes(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string changesJson);

        /// <summary>soa_status soa_sim_remove_ad_user(const soa_sim *sim,
        /// const char *identity)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_remove_ad_user(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity);

        /// <summary>soa_status soa_sim_assign_license(const soa_sim *sim,
        /// const char *identity)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_assign_license(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity);

        /// <summary>soa_status soa_sim_add_cloud_mailbox(const soa_sim *sim,
        /// const char *user_principal_name, const char *recipient_type, char **out_id)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_cloud_mailbox(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string userPrincipalName,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string recipientType,
            out IntPtr id);

        // --- backends: Exchange Online (RBAC and audit apply) ----------------------------------

        /// <summary>soa_status soa_backend_from_sim(const soa_sim *sim, soa_backend **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_from_sim(SoaSimHandle sim, out IntPtr backend);

        /// <summary>soa_status soa_backend_from_client(const soa_client *client, soa_backend **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_from_client(SoaClientHandle client, out IntPtr backend);

        /// <summary>void soa_backend_free(soa_backend *backend); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_backend_free(IntPtr backend);

        /// <summary>soa_status soa_backend_get_mailbox(const soa_backend *backend,
        /// const char *identity, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_get_mailbox(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            out IntPtr json);

        /// <summary>soa_status soa_backend_get_user(const soa_backend *backend,
        /// const char *identity, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_get_user(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            out IntPtr json);

        /// <summary>soa_status soa_backend_set_mailbox(const soa_backend *backend,
        /// const char *identity, const char *changes_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_set_mailbox(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string changesJson);

        /// <summary>soa_status soa_backend_set_cloud_managed(const soa_backend *backend,
        /// const char *identity, int32_t value); value is 0 or 1.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_set_cloud_managed(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            int value);

        /// <summary>soa_status soa_backend_get_organization_config(const soa_backend *backend,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_get_organization_config(SoaBackendHandle backend, out IntPtr json);

        /// <summary>soa_status soa_backend_set_cloud_managed_by_default(const soa_backend *backend,
        /// int32_t enabled); enabled is 0 or 1.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_set_cloud_managed_by_default(SoaBackendHandle backend, int enabled);

        /// <summary>soa_status soa_backend_role_assignments(const soa_backend *backend,
        /// const char *cmdlet, const char *parameter, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_role_assignments(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string cmdlet,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string parameter,
            out IntPtr json);

        /// <summary>soa_status soa_backend_search_admin_audit_log(const soa_backend *backend,
        /// const char *query_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_search_admin_audit_log(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string queryJson,
            out IntPtr json);

        /// <summary>soa_status soa_backend_list_mailboxes(const soa_backend *backend,
        /// const char *filter_json, soa_mailbox_pager **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backend_list_mailboxes(
            SoaBackendHandle backend,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string filterJson,
            out IntPtr pager);

        /// <summary>soa_status soa_mailbox_pager_next(const soa_mailbox_pager *pager,
        /// uint32_t page_size, char **out_json): the next page as a JSON array; [] after the last
        /// page.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_mailbox_pager_next(
            SoaMailboxPagerHandle pager,
            uint pageSize,
            out IntPtr json);

        /// <summary>void soa_mailbox_pager_free(soa_mailbox_pager *pager); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_mailbox_pager_free(IntPtr pager);

        // --- REST client -----------------------------------------------------------------------

        /// <summary>soa_status soa_client_connect(const char *tenant, const char *cloud,
        /// const char *credential_json, const char *options_json, soa_client **out);
        /// options_json may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_client_connect(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string tenant,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string cloud,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string credentialJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            out IntPtr client);

        /// <summary>void soa_client_free(soa_client *client); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_client_free(IntPtr client);

        /// <summary>soa_status soa_client_endpoint(const soa_client *client, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_client_endpoint(SoaClientHandle client, out IntPtr endpoint);

        // --- HTTP emulator ---------------------------------------------------------------------

        /// <summary>soa_status soa_emulator_start(const soa_sim *sim, const char *options_json,
        /// soa_emulator **out); options_json may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_start(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            out IntPtr emulator);

        /// <summary>soa_status soa_emulator_base_url(const soa_emulator *emulator, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_base_url(SoaEmulatorHandle emulator, out IntPtr url);

        /// <summary>soa_status soa_emulator_tenant(const soa_emulator *emulator, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_tenant(SoaEmulatorHandle emulator, out IntPtr tenant);

        /// <summary>soa_status soa_emulator_tenant_id(const soa_emulator *emulator, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_tenant_id(SoaEmulatorHandle emulator, out IntPtr tenantId);

        /// <summary>soa_status soa_emulator_issue_token(const soa_emulator *emulator,
        /// const char *principal, char **out_token)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_issue_token(
            SoaEmulatorHandle emulator,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string principal,
            out IntPtr token);

        /// <summary>soa_status soa_emulator_register_app(const soa_emulator *emulator,
        /// const char *app_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_register_app(
            SoaEmulatorHandle emulator,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string appJson);

        /// <summary>soa_status soa_emulator_set_faults(const soa_emulator *emulator,
        /// const char *faults_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_set_faults(
            SoaEmulatorHandle emulator,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string faultsJson);

        /// <summary>soa_status soa_emulator_stats(const soa_emulator *emulator, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_stats(SoaEmulatorHandle emulator, out IntPtr json);

        /// <summary>soa_status soa_emulator_stop(const soa_emulator *emulator); idempotent.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_emulator_stop(SoaEmulatorHandle emulator);

        /// <summary>void soa_emulator_free(soa_emulator *emulator); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_emulator_free(IntPtr emulator);

        // --- directories and sessions ----------------------------------------------------------

        /// <summary>soa_status soa_directory_from_sim(const soa_sim *sim, soa_directory **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_directory_from_sim(SoaSimHandle sim, out IntPtr directory);

        /// <summary>void soa_directory_free(soa_directory *directory); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_directory_free(IntPtr directory);

        /// <summary>soa_status soa_session_new(const soa_backend *backend,
        /// const soa_directory *directory, const soa_catalog *catalog, const char *actor,
        /// soa_session **out); directory, catalog (invalid handles) and actor may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_session_new(
            SoaBackendHandle backend,
            SoaDirectoryHandle directory,
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string actor,
            out IntPtr session);

        /// <summary>void soa_session_free(soa_session *session); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_session_free(IntPtr session);

        /// <summary>soa_status soa_session_actor(const soa_session *session, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_session_actor(SoaSessionHandle session, out IntPtr actor);

        /// <summary>soa_status soa_session_now(const soa_session *session, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_session_now(SoaSessionHandle session, out IntPtr now);

        /// <summary>soa_status soa_session_backend(const soa_session *session, soa_backend **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_session_backend(SoaSessionHandle session, out IntPtr backend);

        // --- transfer --------------------------------------------------------------------------

        /// <summary>soa_status soa_preflight_gather(const soa_session *session,
        /// const char *requirements_json, char **out_json); requirements_json may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_gather(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string requirementsJson,
            out IntPtr preflightJson);

        /// <summary>soa_status soa_transfer_plan(const soa_session *session,
        /// const char *selection_json, const char *policy_json, const char *preflight_json,
        /// char **out_plan_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_plan(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string selectionJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string policyJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string preflightJson,
            out IntPtr planJson);

        /// <summary>soa_status soa_transfer_plan_summary(const char *plan_json, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_plan_summary(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string planJson,
            out IntPtr summary);

        /// <summary>soa_status soa_transfer_plan_counts(const char *plan_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_plan_counts(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string planJson,
            out IntPtr countsJson);

        /// <summary>soa_status soa_run_folder_json(const char *run_dir, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_run_folder_json(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string runDir,
            out IntPtr json);

        /// <summary>soa_status soa_run_folder_default(const char *base, const char *run_id,
        /// char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_run_folder_default(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string baseDir,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string runId,
            out IntPtr path);

        /// <summary>soa_status soa_rollback_loss_path(const char *dir, const char *identity,
        /// char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_rollback_loss_path(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string dir,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            out IntPtr path);

        /// <summary>soa_status soa_backup_path(const char *run_dir, const char *identity,
        /// char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_backup_path(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string runDir,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            out IntPtr path);

        /// <summary>soa_status soa_audit_log_normalized(const char *path, char **out_text)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_audit_log_normalized(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            out IntPtr text);

        /// <summary>soa_status soa_transfer_run(const soa_session *session, const char *plan_json,
        /// const char *run_dir, const char *options_json, soa_progress_fn progress,
        /// void *user_data, char **out_report_json); options_json and progress may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_run(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string planJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string runDir,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            SoaProgressCallback progress,
            IntPtr userData,
            out IntPtr reportJson);

        /// <summary>soa_status soa_transfer_resume(const soa_session *session, const char *run_dir,
        /// const char *options_json, soa_progress_fn progress, void *user_data,
        /// char **out_report_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_resume(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string runDir,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            SoaProgressCallback progress,
            IntPtr userData,
            out IntPtr reportJson);

        /// <summary>soa_status soa_transfer_rollback(const soa_session *session,
        /// const char *identity, const char *options_json, const char *audit_path,
        /// char **out_json); audit_path may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_rollback(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string identity,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string auditPath,
            out IntPtr json);

        /// <summary>soa_status soa_transfer_restore_in_cloud(const soa_session *session,
        /// const char *backup_path, int32_t dry_run, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_restore_in_cloud(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string backupPath,
            int dryRun,
            out IntPtr json);

        /// <summary>soa_status soa_transfer_restore_script(const soa_session *session,
        /// const char *backup_path, char **out_script)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_transfer_restore_script(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string backupPath,
            out IntPtr script);

        /// <summary>soa_status soa_tenant_default_enable(const soa_session *session,
        /// const char *tenant_json, const char *requirements_json); requirements_json may be
        /// NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_tenant_default_enable(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string tenantJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string requirementsJson);

        /// <summary>soa_status soa_tenant_default_disable(const soa_session *session)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_tenant_default_disable(SoaSessionHandle session);

        /// <summary>soa_status soa_rbac_review(const soa_session *session, const char *group,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_rbac_review(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string group,
            out IntPtr json);

        // --- reconciliation --------------------------------------------------------------------

        /// <summary>soa_status soa_reconcile_files(const soa_catalog *catalog, const char *ad_path,
        /// const char *ad_format, const char *cloud_path, const char *options_json,
        /// soa_reconcile_report **out); catalog (an invalid handle), ad_format and options_json may
        /// be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_files(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string adPath,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string adFormat,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string cloudPath,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            out IntPtr report);

        /// <summary>soa_status soa_reconcile_live(const soa_session *session, const char *ad_path,
        /// const char *ad_format, const char *options_json, soa_progress_fn progress,
        /// void *user_data, soa_reconcile_report **out); ad_format, options_json and progress may
        /// be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_live(
            SoaSessionHandle session,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string adPath,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string adFormat,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            SoaProgressCallback progress,
            IntPtr userData,
            out IntPtr report);

        /// <summary>soa_status soa_reconcile_report_json(const soa_reconcile_report *report,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_report_json(SoaReconcileReportHandle report, out IntPtr json);

        /// <summary>soa_status soa_reconcile_report_load_json(const char *path,
        /// soa_reconcile_report **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_report_load_json(
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            out IntPtr report);

        /// <summary>soa_status soa_reconcile_report_save_json(const soa_reconcile_report *report,
        /// const char *path)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_report_save_json(
            SoaReconcileReportHandle report,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path);

        /// <summary>soa_status soa_reconcile_report_save_csv(const soa_reconcile_report *report,
        /// const char *path)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_report_save_csv(
            SoaReconcileReportHandle report,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path);

        /// <summary>soa_status soa_reconcile_report_save_html(const soa_reconcile_report *report,
        /// const char *path)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_report_save_html(
            SoaReconcileReportHandle report,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path);

        /// <summary>soa_status soa_reconcile_report_changes_since(const soa_reconcile_report *later,
        /// const soa_reconcile_report *earlier, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_reconcile_report_changes_since(
            SoaReconcileReportHandle later,
            SoaReconcileReportHandle earlier,
            out IntPtr json);

        /// <summary>void soa_reconcile_report_free(soa_reconcile_report *report); NULL is
        /// ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_reconcile_report_free(IntPtr report);

        /// <summary>soa_status soa_writeback_plan_save(const soa_reconcile_report *report,
        /// const char *selection_json, const char *ldif_path, const char *ps1_path,
        /// size_t *out_changes); selection_json, ldif_path and ps1_path may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_writeback_plan_save(
            SoaReconcileReportHandle report,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string selectionJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string ldifPath,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string ps1Path,
            out UIntPtr changes);

        // --- script auditor --------------------------------------------------------------------

        /// <summary>soa_status soa_audit_scripts(const soa_catalog *catalog, const char *path,
        /// const char *options_json, char **out_json); catalog and options_json may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_audit_scripts(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            out IntPtr json);

        /// <summary>soa_status soa_audit_scripts_sarif(const soa_catalog *catalog,
        /// const char *path, const char *options_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_audit_scripts_sarif(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            out IntPtr json);

        /// <summary>soa_status soa_audit_scripts_text(const soa_catalog *catalog,
        /// const char *path, const char *options_json, char **out_text)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_audit_scripts_text(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            out IntPtr text);

        /// <summary>soa_status soa_audit_scripts_fix(const soa_catalog *catalog,
        /// const char *path, const char *options_json, const char *out_dir, int32_t in_place,
        /// size_t *out_files); out_dir must be NULL exactly when in_place is 1.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_audit_scripts_fix(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string path,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string optionsJson,
            [MarshalAs(UnmanagedType.CustomMarshaler, MarshalTypeRef = typeof(Utf8In))] string outDir,
            int inPlace,
            out UIntPtr files);

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
    /// Binds DllImport("soa_ffi") to the library at an absolute path, before the first call:
    /// on runtimes with System.Runtime.InteropServices.NativeLibrary (.NET Core 3.0 and later,
    /// so PowerShell 7) through an import resolver; on Windows without it (.NET Framework, so
    /// Windows PowerShell 5.1) by loading the DLL with LoadLibrary, after which the imports bind
    /// to the module already loaded under that name. Elsewhere (Mono on Linux or macOS, where no
    /// PowerShell host runs) the usual search applies: LD_LIBRARY_PATH, the application's
    /// folder, or a dllmap.
    /// </summary>
    public static class NativeLoader
    {
        private static readonly object Gate = new object();
        private static string libraryPath;
        private static IntPtr loaded;
        private static bool registered;
        private static Delegate resolver;
        private static MethodInfo loadMethod;

        [DllImport("kernel32", CharSet = CharSet.Unicode, ExactSpelling = true, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string path);

        /// <summary>The path given to <see cref="UseLibrary"/>, or null.</summary>
        public static string LibraryPath
        {
            get { lock (Gate) { return libraryPath; } }
        }

        /// <summary>
        /// Binds the soa_ffi imports of this assembly to the library at <paramref name="fullPath"/>.
        /// Returns true when they are bound by path: a resolver is in place (a second call only
        /// changes the path, which counts until the first import is bound), or, on Windows
        /// without NativeLibrary, the DLL is loaded (a DllNotFoundException when it cannot be);
        /// false on other runtimes, where the usual search applies.
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
                if (RegisterResolver())
                {
                    registered = true;
                    return true;
                }
                if (Environment.OSVersion.Platform == PlatformID.Win32NT)
                {
                    loaded = LoadLibraryW(fullPath);
                    if (loaded == IntPtr.Zero)
                    {
                        int code = Marshal.GetLastWin32Error();
                        throw new DllNotFoundException(
                            "cannot load the exchange-soa native library '" + fullPath + "' (Windows error "
                            + code.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")");
                    }
                    registered = true;
                    return true;
                }
                return false;
            }
        }

        // Sets the import resolver through NativeLibrary, reached by reflection (it is missing
        // from .NET Framework and Mono); false where it does not exist.
        private static bool RegisterResolver()
        {
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
            return true;
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

        // Takes ownership of a handle the library wrote, or throws for a failed call (releasing
        // whatever was written anyway, which the contract says never happens).
        private static T Take<T>(SoaStatus status, IntPtr raw) where T : SoaHandle, new()
        {
            T owned = new T();
            owned.Own(raw);
            if (status != SoaStatus.Ok)
            {
                SoaException failure = Failure(status);
                owned.Dispose();
                throw failure;
            }
            return owned;
        }

        // A required handle: not null, not disposed.
        private static T Usable<T>(T handle, string name) where T : SoaHandle
        {
            if (handle == null)
            {
                throw new ArgumentNullException(name);
            }
            if (handle.IsClosed)
            {
                throw new ObjectDisposedException(name, "the " + handle.Kind + " handle has been disposed");
            }
            return handle;
        }

        // An optional handle: null becomes an invalid handle, which crosses as NULL.
        private static T Optional<T>(T handle, string name) where T : SoaHandle, new()
        {
            return handle == null ? new T() : Usable(handle, name);
        }

        // Relays the native progress callback to a managed handler. The delegate lives as long as
        // the relay, which the caller keeps alive for the native call. An exception thrown by the
        // handler never unwinds through the native frames: it is kept (later events are then
        // dropped) and rethrown once the native call has returned.
        private sealed class ProgressRelay
        {
            private readonly Action<string> handler;
            private ExceptionDispatchInfo failure;

            public ProgressRelay(Action<string> handler)
            {
                this.handler = handler;
                Callback = handler == null ? null : new SoaProgressCallback(Invoke);
            }

            public SoaProgressCallback Callback { get; private set; }

            private void Invoke(IntPtr eventJson, IntPtr userData)
            {
                if (failure != null)
                {
                    return;
                }
                try
                {
                    handler(PtrToStringUtf8(eventJson));
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            }

            public void RethrowIfFailed()
            {
                if (failure != null)
                {
                    failure.Throw();
                }
            }
        }

        // The end of a transfer call with a progress relay: the handler's exception first (it is
        // what stopped the caller), then the call's failure, else the JSON it wrote.
        private static string FinishWithProgress(SoaStatus status, IntPtr owned, ProgressRelay relay)
        {
            SoaException failure = status == SoaStatus.Ok ? null : Failure(status);
            string json = TakeString(owned);
            relay.RethrowIfFailed();
            if (failure != null)
            {
                throw failure;
            }
            return json;
        }

        // --- catalog ---------------------------------------------------------------------------

        /// <summary>A new handle on the built-in catalog. Dispose it when done.</summary>
        public static SoaCatalogHandle BuiltinCatalog()
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_builtin(out raw);
            return Take<SoaCatalogHandle>(status, raw);
        }

        /// <summary>A new catalog: <paramref name="baseCatalog"/> with an override document
        /// (JSON, {"attributes": [...]}) applied. <paramref name="origin"/> names the document in
        /// error messages.</summary>
        public static SoaCatalogHandle WithOverrideJson(SoaCatalogHandle baseCatalog, string json, string origin)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_with_override_json(
                Usable(baseCatalog, "baseCatalog"), json, origin, out raw);
            return Take<SoaCatalogHandle>(status, raw);
        }

        /// <summary>A new catalog: <paramref name="baseCatalog"/> with an override file applied.</summary>
        public static SoaCatalogHandle WithOverrideFile(SoaCatalogHandle baseCatalog, string path)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_with_override_file(
                Usable(baseCatalog, "baseCatalog"), path, out raw);
            return Take<SoaCatalogHandle>(status, raw);
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

        // --- simulated organization: lifecycle -------------------------------------------------

        /// <summary>A new, empty simulated organization for <paramref name="tenant"/> (e.g.
        /// "contoso.com"). Dispose it when done.</summary>
        public static SoaSimHandle NewSim(string tenant)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_new(tenant, out raw);
            return Take<SoaSimHandle>(status, raw);
        }

        /// <summary>A generated organization of about <paramref name="size"/> mailboxes; the same
        /// seed gives the same organization.</summary>
        public static SoaSimHandle GenerateSim(ulong size, ulong seed)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_generate(size, seed, out raw);
            return Take<SoaSimHandle>(status, raw);
        }

        /// <summary>An organization loaded from a snapshot file written by <see cref="SaveSim"/>.</summary>
        public static SoaSimHandle LoadSim(string path)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_load(path, out raw);
            return Take<SoaSimHandle>(status, raw);
        }

        /// <summary>Saves a snapshot of the whole organization to <paramref name="path"/>,
        /// atomically.</summary>
        public static void SaveSim(SoaSimHandle sim, string path)
        {
            Check(Native.soa_sim_save(Usable(sim, "sim"), path));
        }

        /// <summary>A new handle on the same organization whose Exchange Online calls act as
        /// <paramref name="principal"/> (an unknown principal holds no role).</summary>
        public static SoaSimHandle SimAsPrincipal(SoaSimHandle sim, string principal)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_as_principal(Usable(sim, "sim"), principal, out raw);
            return Take<SoaSimHandle>(status, raw);
        }

        /// <summary>Adds (or replaces) a principal holding the roles in
        /// <paramref name="rolesJson"/> (a JSON array of role names).</summary>
        public static void AddPrincipal(SoaSimHandle sim, string principal, string rolesJson)
        {
            Check(Native.soa_sim_add_principal(Usable(sim, "sim"), principal, rolesJson));
        }

        /// <summary>The organization's counts (an OrgSummary) as JSON.</summary>
        public static string SimSummary(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_summary(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        // --- simulated organization: clock and sync engines ------------------------------------

        /// <summary>The virtual time, as RFC 3339 text.</summary>
        public static string SimNow(SoaSimHandle sim)
        {
            IntPtr now = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_now(Usable(sim, "sim"), out now);
            return Finish(status, now);
        }

        /// <summary>Moves the clock forward by <paramref name="minutes"/> (0 or more) and returns
        /// the reports of the cycles that fell due (a JSON array of CycleReport).</summary>
        public static string Advance(SoaSimHandle sim, long minutes)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_advance(Usable(sim, "sim"), minutes, out json);
            return Finish(status, json);
        }

        /// <summary>Runs one Entra Connect Sync cycle; returns its SyncReport as JSON.</summary>
        public static string SyncCycle(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_sync_cycle(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>Runs one Cloud Sync writeback cycle; returns its WritebackReport as JSON.</summary>
        public static string WritebackCycle(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_writeback_cycle(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>The current sync export errors, as a JSON array.</summary>
        public static string SyncErrors(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_sync_errors(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>Sets the Entra Connect Sync version (e.g. "2.5.190.0").</summary>
        public static void SetConnectSyncVersion(SoaSimHandle sim, string version)
        {
            Check(Native.soa_sim_set_connect_sync_version(Usable(sim, "sim"), version));
        }

        /// <summary>Installs the Cloud Sync agent described by <paramref name="agentJson"/> (a
        /// CloudSyncAgent), or removes it when <paramref name="agentJson"/> is null.</summary>
        public static void SetCloudSyncAgent(SoaSimHandle sim, string agentJson)
        {
            Check(Native.soa_sim_set_cloud_sync_agent(Usable(sim, "sim"), agentJson));
        }

        // --- simulated organization: the on-premises side --------------------------------------

        /// <summary>Creates an AD account from a NewAdUser (JSON); returns its objectGUID.</summary>
        public static string AddAdUser(SoaSimHandle sim, string userJson)
        {
            IntPtr guid = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_add_ad_user(Usable(sim, "sim"), userJson, out guid);
            return Finish(status, guid);
        }

        /// <summary>An AD account's attributes, keyed by LDAP name, as a JSON object.</summary>
        public static string AdAttributes(SoaSimHandle sim, string identity)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_ad_attributes(Usable(sim, "sim"), identity, out json);
            return Finish(status, json);
        }

        /// <summary>Changes AD attributes of an account (a JSON object from attribute names to
        /// values; null clears).</summary>
        public static void SetAdAttributes(SoaSimHandle sim, string identity, string changesJson)
        {
            Check(Native.soa_sim_set_ad_attributes(Usable(sim, "sim"), identity, changesJson));
        }

        /// <summary>Removes an AD account; its cloud user goes at the next sync cycle.</summary>
        public static void RemoveAdUser(SoaSimHandle sim, string identity)
        {
            Check(Native.soa_sim_remove_ad_user(Usable(sim, "sim"), identity));
        }

        /// <summary>Assigns an Exchange Online license to a cloud user.</summary>
        public static void AssignLicense(SoaSimHandle sim, string identity)
        {
            Check(Native.soa_sim_assign_license(Usable(sim, "sim"), identity));
        }

        /// <summary>Creates a cloud-only mailbox of a recipient type ("UserMailbox",
        /// "SharedMailbox", ...); returns its ExternalDirectoryObjectId.</summary>
        public static string AddCloudMailbox(SoaSimHandle sim, string userPrincipalName, string recipientType)
        {
            IntPtr id = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_add_cloud_mailbox(
                Usable(sim, "sim"), userPrincipalName, recipientType, out id);
            return Finish(status, id);
        }

        // --- backends: Exchange Online (RBAC and audit apply) ----------------------------------

        /// <summary>A backend on a simulated organization (acting as its principal).</summary>
        public static SoaBackendHandle BackendFromSim(SoaSimHandle sim)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_from_sim(Usable(sim, "sim"), out raw);
            return Take<SoaBackendHandle>(status, raw);
        }

        /// <summary>A backend on a tenant through the REST client.</summary>
        public static SoaBackendHandle BackendFromClient(SoaClientHandle client)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_from_client(Usable(client, "client"), out raw);
            return Take<SoaBackendHandle>(status, raw);
        }

        /// <summary>Get-Mailbox: the mailbox as JSON, in the Get-Mailbox | ConvertTo-Json shape.</summary>
        public static string GetMailbox(SoaBackendHandle backend, string identity)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_get_mailbox(Usable(backend, "backend"), identity, out json);
            return Finish(status, json);
        }

        /// <summary>Get-User: the user as JSON, in the Get-User | ConvertTo-Json shape.</summary>
        public static string GetUser(SoaBackendHandle backend, string identity)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_get_user(Usable(backend, "backend"), identity, out json);
            return Finish(status, json);
        }

        /// <summary>Set-Mailbox with a MailboxChanges (JSON: {"set":{...},"add":{...},"remove":{...}}).</summary>
        public static void SetMailbox(SoaBackendHandle backend, string identity, string changesJson)
        {
            Check(Native.soa_backend_set_mailbox(Usable(backend, "backend"), identity, changesJson));
        }

        /// <summary>Set-Mailbox -IsExchangeCloudManaged, in a call of its own.</summary>
        public static void SetCloudManaged(SoaBackendHandle backend, string identity, bool value)
        {
            Check(Native.soa_backend_set_cloud_managed(Usable(backend, "backend"), identity, value ? 1 : 0));
        }

        /// <summary>Get-OrganizationConfig, as JSON.</summary>
        public static string GetOrganizationConfig(SoaBackendHandle backend)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_get_organization_config(Usable(backend, "backend"), out json);
            return Finish(status, json);
        }

        /// <summary>Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault (true) or
        /// -ExchangeAttributesServerManagedByDefault (false), without the preflight's gate (see
        /// <see cref="EnableCloudManagedByDefault"/>).</summary>
        public static void SetCloudManagedByDefault(SoaBackendHandle backend, bool enabled)
        {
            Check(Native.soa_backend_set_cloud_managed_by_default(Usable(backend, "backend"), enabled ? 1 : 0));
        }

        /// <summary>The role assignments that grant <c>cmdlet -parameter</c>, as a JSON array.</summary>
        public static string RoleAssignments(SoaBackendHandle backend, string cmdlet, string parameter)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_role_assignments(Usable(backend, "backend"), cmdlet, parameter, out json);
            return Finish(status, json);
        }

        /// <summary>Search-AdminAuditLog with an AuditQuery (JSON; "{}" matches everything); the
        /// records as a JSON array.</summary>
        public static string SearchAdminAuditLog(SoaBackendHandle backend, string queryJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_search_admin_audit_log(Usable(backend, "backend"), queryJson, out json);
            return Finish(status, json);
        }

        /// <summary>Starts a lazy listing of the mailboxes passing a MailboxFilter (JSON; "{}"
        /// lists all). Nothing is read until <see cref="NextMailboxPage"/>, which is also where a
        /// denied listing fails. Dispose the pager when done.</summary>
        public static SoaMailboxPagerHandle ListMailboxes(SoaBackendHandle backend, string filterJson)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_backend_list_mailboxes(Usable(backend, "backend"), filterJson, out raw);
            return Take<SoaMailboxPagerHandle>(status, raw);
        }

        /// <summary>The next page of at most <paramref name="pageSize"/> mailboxes (0 counts as
        /// 1) as a JSON array; "[]" once the listing is exhausted. Calls from several threads on
        /// one pager are serialized: each mailbox comes exactly once.</summary>
        public static string NextMailboxPage(SoaMailboxPagerHandle pager, uint pageSize)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_mailbox_pager_next(Usable(pager, "pager"), pageSize, out json);
            return Finish(status, json);
        }

        // --- REST client -----------------------------------------------------------------------

        /// <summary>Connects to <paramref name="tenant"/> in <paramref name="cloud"/>
        /// ("commercial", "gcchigh", "dod", "china", or {"exchange":url,"login":url}) with a
        /// credential (JSON: {"kind":"secret"|"certificate"|"token",...}); options JSON or null.
        /// An app credential gets its first token now. Dispose the client when done.</summary>
        public static SoaClientHandle Connect(string tenant, string cloud, string credentialJson, string optionsJson)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_client_connect(tenant, cloud, credentialJson, optionsJson, out raw);
            return Take<SoaClientHandle>(status, raw);
        }

        /// <summary>The InvokeCommand URL the client calls.</summary>
        public static string ClientEndpoint(SoaClientHandle client)
        {
            IntPtr url = IntPtr.Zero;
            SoaStatus status = Native.soa_client_endpoint(Usable(client, "client"), out url);
            return Finish(status, url);
        }

        // --- HTTP emulator ---------------------------------------------------------------------

        /// <summary>Starts the HTTP emulator of the Exchange Online gateway and token endpoint,
        /// serving <paramref name="sim"/> on 127.0.0.1; options (an EmulatorOptions as JSON) or
        /// null. Dispose the handle (or call <see cref="StopEmulator"/>) to stop it.</summary>
        public static SoaEmulatorHandle StartEmulator(SoaSimHandle sim, string optionsJson)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_emulator_start(Usable(sim, "sim"), optionsJson, out raw);
            return Take<SoaEmulatorHandle>(status, raw);
        }

        /// <summary>The emulator's base URL, http://127.0.0.1:PORT.</summary>
        public static string EmulatorBaseUrl(SoaEmulatorHandle emulator)
        {
            IntPtr url = IntPtr.Zero;
            SoaStatus status = Native.soa_emulator_base_url(Usable(emulator, "emulator"), out url);
            return Finish(status, url);
        }

        /// <summary>The emulated tenant's domain.</summary>
        public static string EmulatorTenant(SoaEmulatorHandle emulator)
        {
            IntPtr tenant = IntPtr.Zero;
            SoaStatus status = Native.soa_emulator_tenant(Usable(emulator, "emulator"), out tenant);
            return Finish(status, tenant);
        }

        /// <summary>The emulated tenant's id (GUID-shaped).</summary>
        public static string EmulatorTenantId(SoaEmulatorHandle emulator)
        {
            IntPtr tenantId = IntPtr.Zero;
            SoaStatus status = Native.soa_emulator_tenant_id(Usable(emulator, "emulator"), out tenantId);
            return Finish(status, tenantId);
        }

        /// <summary>An access token acting as <paramref name="principal"/> (a secret).</summary>
        public static string IssueToken(SoaEmulatorHandle emulator, string principal)
        {
            IntPtr token = IntPtr.Zero;
            SoaStatus status = Native.soa_emulator_issue_token(Usable(emulator, "emulator"), principal, out token);
            return Finish(status, token);
        }

        /// <summary>Registers (or replaces) an application: a RegisteredApp as JSON.</summary>
        public static void RegisterApp(SoaEmulatorHandle emulator, string appJson)
        {
            Check(Native.soa_emulator_register_app(Usable(emulator, "emulator"), appJson));
        }

        /// <summary>Replaces the injected faults (a Faults object as JSON; "{}" for none).</summary>
        public static void SetFaults(SoaEmulatorHandle emulator, string faultsJson)
        {
            Check(Native.soa_emulator_set_faults(Usable(emulator, "emulator"), faultsJson));
        }

        /// <summary>What the emulator served so far (Stats), as JSON.</summary>
        public static string EmulatorStats(SoaEmulatorHandle emulator)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_emulator_stats(Usable(emulator, "emulator"), out json);
            return Finish(status, json);
        }

        /// <summary>Stops the emulator and frees its port; idempotent. The handle can still be
        /// read until disposed.</summary>
        public static void StopEmulator(SoaEmulatorHandle emulator)
        {
            Check(Native.soa_emulator_stop(Usable(emulator, "emulator")));
        }

        // --- directories and sessions ----------------------------------------------------------

        /// <summary>The on-premises directory of a simulated organization (its AD).</summary>
        public static SoaDirectoryHandle DirectoryFromSim(SoaSimHandle sim)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_directory_from_sim(Usable(sim, "sim"), out raw);
            return Take<SoaDirectoryHandle>(status, raw);
        }

        /// <summary>A session on <paramref name="backend"/>. <paramref name="directory"/> null:
        /// none (plans and rollbacks then say that AD was not checked); <paramref name="catalog"/>
        /// null: the backend's; <paramref name="actor"/> null: the backend's principal (an empty
        /// actor is refused with InvalidInput). Dispose it when done.</summary>
        public static SoaSessionHandle NewSession(SoaBackendHandle backend, SoaDirectoryHandle directory,
            SoaCatalogHandle catalog, string actor)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_session_new(Usable(backend, "backend"), Optional(directory, "directory"),
                Optional(catalog, "catalog"), actor, out raw);
            return Take<SoaSessionHandle>(status, raw);
        }

        /// <summary>The actor the session records in audit logs.</summary>
        public static string SessionActor(SoaSessionHandle session)
        {
            IntPtr actor = IntPtr.Zero;
            SoaStatus status = Native.soa_session_actor(Usable(session, "session"), out actor);
            return Finish(status, actor);
        }

        /// <summary>The session's time (RFC 3339): the virtual clock of a simulation, else the
        /// system's.</summary>
        public static string SessionNow(SoaSessionHandle session)
        {
            IntPtr now = IntPtr.Zero;
            SoaStatus status = Native.soa_session_now(Usable(session, "session"), out now);
            return Finish(status, now);
        }

        /// <summary>A new handle on the session's Exchange Online, for the Exchange Online
        /// operations. Dispose it when done.</summary>
        public static SoaBackendHandle SessionBackend(SoaSessionHandle session)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_session_backend(Usable(session, "session"), out raw);
            return Take<SoaBackendHandle>(status, raw);
        }

        // --- transfer --------------------------------------------------------------------------

        /// <summary>Gathers what the preflight checks (tenant configuration, the actor's roles,
        /// the cloud-managed count, the sync environment from the directory) with Requirements
        /// (JSON, or null for the defaults): the Preflight as JSON.</summary>
        public static string GatherPreflight(SoaSessionHandle session, string requirementsJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_preflight_gather(Usable(session, "session"), requirementsJson, out json);
            return Finish(status, json);
        }

        /// <summary>Plans a transfer (changes nothing): a Selection, a TransferPolicy and a
        /// Preflight as JSON. Returns the Plan as JSON; throws Refused without a required
        /// ticket.</summary>
        public static string PlanTransfer(SoaSessionHandle session, string selectionJson, string policyJson,
            string preflightJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_plan(Usable(session, "session"), selectionJson, policyJson,
                preflightJson, out json);
            return Finish(status, json);
        }

        /// <summary>A one-paragraph summary of a plan (JSON) for people.</summary>
        public static string PlanSummary(string planJson)
        {
            IntPtr summary = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_plan_summary(planJson, out summary);
            return Finish(status, summary);
        }

        /// <summary>How many mailboxes of a plan (JSON) go, are deferred to later waves and are
        /// skipped: {"go":N,"deferred":N,"skipped":N,"total":N}.</summary>
        public static string PlanCounts(string planJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_plan_counts(planJson, out json);
            return Finish(status, json);
        }

        /// <summary>The files of a run folder: {"dir":..,"plan":..,"journal":..,"audit":..,
        /// "backups":..}.</summary>
        public static string RunFolder(string runDir)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_run_folder_json(runDir, out json);
            return Finish(status, json);
        }

        /// <summary>The folder a run goes to when the caller names none: soa-runs/&lt;run id&gt;
        /// under <paramref name="baseDir"/>.</summary>
        public static string DefaultRunFolder(string baseDir, string runId)
        {
            IntPtr path = IntPtr.Zero;
            SoaStatus status = Native.soa_run_folder_default(baseDir, runId, out path);
            return Finish(status, path);
        }

        /// <summary>The file in <paramref name="dir"/> a rollback of
        /// <paramref name="identity"/> exports the values it would lose to.</summary>
        public static string RollbackLossPath(string dir, string identity)
        {
            IntPtr path = IntPtr.Zero;
            SoaStatus status = Native.soa_rollback_loss_path(dir, identity, out path);
            return Finish(status, path);
        }

        /// <summary>The file a run writes the backup of <paramref name="identity"/> to.</summary>
        public static string BackupPath(string runDir, string identity)
        {
            IntPtr path = IntPtr.Zero;
            SoaStatus status = Native.soa_backup_path(runDir, identity, out path);
            return Finish(status, path);
        }

        /// <summary>The events of an audit log (a run folder's audit.jsonl) without their time
        /// and run id, as compact JSON lines (keys sorted): the same text for two runs of the same
        /// scenario, through any front end.</summary>
        public static string AuditLogNormalized(string path)
        {
            IntPtr text = IntPtr.Zero;
            SoaStatus status = Native.soa_audit_log_normalized(path, out text);
            return Finish(status, text);
        }

        // The options of a run: a dry run writes the plan and changes nothing.
        private static string RunOptionsJson(bool dryRun)
        {
            return dryRun ? "{\"dry_run\":true}" : null;
        }

        /// <summary>Runs a plan (JSON) in the folder <paramref name="runDir"/>, as the session's
        /// actor. <paramref name="progress"/> (may be null) gets every ProgressEvent as JSON, on
        /// this thread, during the call; an exception it throws is rethrown after the run returns.
        /// Returns the RunReport as JSON.</summary>
        public static string RunTransfer(SoaSessionHandle session, string planJson, string runDir, bool dryRun,
            Action<string> progress)
        {
            ProgressRelay relay = new ProgressRelay(progress);
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_run(Usable(session, "session"), planJson, runDir,
                RunOptionsJson(dryRun), relay.Callback, IntPtr.Zero, out json);
            GC.KeepAlive(relay);
            return FinishWithProgress(status, json, relay);
        }

        /// <summary>Resumes the run in <paramref name="runDir"/>, as <see cref="RunTransfer"/>.</summary>
        public static string ResumeTransfer(SoaSessionHandle session, string runDir, Action<string> progress)
        {
            ProgressRelay relay = new ProgressRelay(progress);
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_resume(Usable(session, "session"), runDir, null,
                relay.Callback, IntPtr.Zero, out json);
            GC.KeepAlive(relay);
            return FinishWithProgress(status, json, relay);
        }

        /// <summary>Rolls a mailbox back after the loss report (read from the session's
        /// directory): RollbackOptions as JSON and an audit log path (or null). Throws Refused
        /// unless the loss is acknowledged or exported. Returns the RollbackOutcome as JSON.</summary>
        public static string RollbackTransfer(SoaSessionHandle session, string identity, string optionsJson,
            string auditLogPath)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_rollback(Usable(session, "session"), identity, optionsJson,
                auditLogPath, out json);
            return Finish(status, json);
        }

        /// <summary>Re-applies a backup file in Exchange Online (or, with
        /// <paramref name="dryRun"/>, only reports what it would set). Returns the RestoreReport as
        /// JSON.</summary>
        public static string RestoreInCloud(SoaSessionHandle session, string backupPath, bool dryRun)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_restore_in_cloud(Usable(session, "session"), backupPath,
                dryRun ? 1 : 0, out json);
            return Finish(status, json);
        }

        /// <summary>A PowerShell script restoring a backup file on-premises (Set-ADUser), with
        /// the session's catalog.</summary>
        public static string RestoreScript(SoaSessionHandle session, string backupPath)
        {
            IntPtr script = IntPtr.Zero;
            SoaStatus status = Native.soa_transfer_restore_script(Usable(session, "session"), backupPath, out script);
            return Finish(status, script);
        }

        /// <summary>Turns the tenant-wide default on behind the preflight's gate: a TenantState
        /// and Requirements (or null) as JSON. Throws Refused, with the reason, while recipients
        /// are still provisioned on-premises.</summary>
        public static void EnableCloudManagedByDefault(SoaSessionHandle session, string tenantJson,
            string requirementsJson)
        {
            Check(Native.soa_tenant_default_enable(Usable(session, "session"), tenantJson, requirementsJson));
        }

        /// <summary>Turns the tenant-wide default off.</summary>
        public static void DisableCloudManagedByDefault(SoaSessionHandle session)
        {
            Check(Native.soa_tenant_default_disable(Usable(session, "session")));
        }

        /// <summary>Who can flip mailboxes, and the commands that confine the right to a role
        /// group named <paramref name="group"/>: the RbacReport as JSON.</summary>
        public static string RbacReview(SoaSessionHandle session, string group)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_rbac_review(Usable(session, "session"), group, out json);
            return Finish(status, json);
        }

        // --- reconciliation --------------------------------------------------------------------

        /// <summary>Reconciles an AD export (CSV, LDIF or JSON; <paramref name="adFormat"/>
        /// "csv", "ldif", "json" or null for the extension's) with a Get-Mailbox | ConvertTo-Json
        /// file. <paramref name="catalog"/> (null: built-in) and <paramref name="optionsJson"/>
        /// (a ReconcileOptions, or null) are optional. A malformed record throws InvalidInput
        /// naming the file and line; a missing file throws Io.</summary>
        public static SoaReconcileReportHandle ReconcileFiles(SoaCatalogHandle catalog, string adPath, string adFormat,
            string cloudPath, string optionsJson)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_reconcile_files(Optional(catalog, "catalog"), adPath, adFormat,
                cloudPath, optionsJson, out raw);
            return Take<SoaReconcileReportHandle>(status, raw);
        }

        /// <summary>Reconciles an AD export with the dir-synced mailboxes of the session's
        /// Exchange Online, with the session's catalog. <paramref name="progress"/> (may be null)
        /// gets the reading progress as JSON ({"records":N,"bytes":N,"total_bytes":N,...}), on
        /// this thread, during the call; an exception it throws is rethrown after the call.</summary>
        public static SoaReconcileReportHandle ReconcileLive(SoaSessionHandle session, string adPath, string adFormat,
            string optionsJson, Action<string> progress)
        {
            ProgressRelay relay = new ProgressRelay(progress);
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_reconcile_live(Usable(session, "session"), adPath, adFormat, optionsJson,
                relay.Callback, IntPtr.Zero, out raw);
            GC.KeepAlive(relay);
            SoaReconcileReportHandle report = null;
            try
            {
                relay.RethrowIfFailed();
                report = Take<SoaReconcileReportHandle>(status, raw);
                return report;
            }
            finally
            {
                if (report == null && status == SoaStatus.Ok)
                {
                    Native.soa_reconcile_report_free(raw);
                }
            }
        }

        /// <summary>The report as JSON (the serde shape of Report).</summary>
        public static string ReconcileReportJson(SoaReconcileReportHandle report)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_reconcile_report_json(Usable(report, "report"), out json);
            return Finish(status, json);
        }

        /// <summary>Reads a JSON report that <see cref="SaveReconcileReportJson"/> wrote.</summary>
        public static SoaReconcileReportHandle LoadReconcileReport(string path)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_reconcile_report_load_json(path, out raw);
            return Take<SoaReconcileReportHandle>(status, raw);
        }

        /// <summary>Writes the JSON report to a file, atomically.</summary>
        public static void SaveReconcileReportJson(SoaReconcileReportHandle report, string path)
        {
            Check(Native.soa_reconcile_report_save_json(Usable(report, "report"), path));
        }

        /// <summary>Writes the CSV report (one row per difference) to a file, atomically.</summary>
        public static void SaveReconcileReportCsv(SoaReconcileReportHandle report, string path)
        {
            Check(Native.soa_reconcile_report_save_csv(Usable(report, "report"), path));
        }

        /// <summary>Writes the self-contained HTML report to a file, atomically.</summary>
        public static void SaveReconcileReportHtml(SoaReconcileReportHandle report, string path)
        {
            Check(Native.soa_reconcile_report_save_html(Usable(report, "report"), path));
        }

        /// <summary>What changed from <paramref name="earlier"/> to <paramref name="later"/>:
        /// the ReportChanges as JSON (new, resolved, changed, unchanged).</summary>
        public static string ReconcileChangesSince(SoaReconcileReportHandle later, SoaReconcileReportHandle earlier)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_reconcile_report_changes_since(Usable(later, "later"),
                Usable(earlier, "earlier"), out json);
            return Finish(status, json);
        }

        /// <summary>Writes a writeback plan of the chosen differences (selection JSON
        /// {"classes":[..],"attributes":[..],"mailboxes":[..]}, or null for the cloud-mastered
        /// stale values) as LDIF and/or a PowerShell script (either path may be null); returns the
        /// number of planned attribute changes.</summary>
        public static long SaveWritebackPlan(SoaReconcileReportHandle report, string selectionJson, string ldifPath,
            string ps1Path)
        {
            UIntPtr changes;
            Check(Native.soa_writeback_plan_save(Usable(report, "report"), selectionJson, ldifPath, ps1Path, out changes));
            return (long)changes.ToUInt64();
        }

        // --- script auditor --------------------------------------------------------------------

        /// <summary>Audits a script or a folder of scripts: the AuditReport as JSON.
        /// <paramref name="catalog"/> (null: built-in) and <paramref name="optionsJson"/>
        /// ({"max_file_bytes":N}, or null) are optional.</summary>
        public static string AuditScripts(SoaCatalogHandle catalog, string path, string optionsJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_audit_scripts(Optional(catalog, "catalog"), path, optionsJson, out json);
            return Finish(status, json);
        }

        /// <summary>Audits as <see cref="AuditScripts"/>: the SARIF 2.1.0 log as JSON.</summary>
        public static string AuditScriptsSarif(SoaCatalogHandle catalog, string path, string optionsJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_audit_scripts_sarif(Optional(catalog, "catalog"), path, optionsJson, out json);
            return Finish(status, json);
        }

        /// <summary>Audits as <see cref="AuditScripts"/>: text for people, with a summary line.</summary>
        public static string AuditScriptsText(SoaCatalogHandle catalog, string path, string optionsJson)
        {
            IntPtr text = IntPtr.Zero;
            SoaStatus status = Native.soa_audit_scripts_text(Optional(catalog, "catalog"), path, optionsJson, out text);
            return Finish(status, text);
        }

        /// <summary>Writes the safe rewrites of the audited scripts: copies under
        /// <paramref name="outDir"/>, or, with <paramref name="inPlace"/> (and a null folder),
        /// over the scripts themselves. Returns how many files were written.</summary>
        public static long FixScripts(SoaCatalogHandle catalog, string path, string optionsJson, string outDir, bool inPlace)
        {
            UIntPtr files;
            Check(Native.soa_audit_scripts_fix(Optional(catalog, "catalog"), path, optionsJson, outDir,
                inPlace ? 1 : 0, out files));
            return (long)files.ToUInt64();
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
