# An ErrorRecord for a caught error: a SoaException gets its status name as the error id and a
# category from its status (300 ObjectNotFound, 301 PermissionDenied, 302/303 InvalidOperation, bad
# input InvalidArgument); a disposed handle is an InvalidOperation; any other error is passed on as
# it is.
function ConvertTo-NativeErrorRecord {
    param(
        [System.Management.Automation.ErrorRecord] $ErrorRecord,
        [object] $TargetObject,
        [System.Management.Automation.ErrorCategory] $UnknownAttributeCategory = 'InvalidArgument',
        [System.Management.Automation.ErrorCategory] $IoCategory = 'ReadError'
    )

    $soa = Get-NativeException -Exception $ErrorRecord.Exception
    if ($null -eq $soa) {
        $base = $ErrorRecord.Exception.GetBaseException()
        if ($base -is [System.ObjectDisposedException]) {
            return [System.Management.Automation.ErrorRecord]::new($base, 'HandleDisposed', 'InvalidOperation', $TargetObject)
        }
        return $ErrorRecord
    }
    $category = switch ([int]$soa.Status) {
        1 { 'InvalidArgument' }
        2 { 'InvalidArgument' }
        4 { 'InvalidOperation' }
        104 { $UnknownAttributeCategory }
        105 { 'InvalidData' }
        200 { $IoCategory }
        300 { 'ObjectNotFound' }
        301 { 'PermissionDenied' }
        302 { 'InvalidOperation' }
        303 { 'InvalidOperation' }
        310 { 'LimitsExceeded' }
        311 { 'ConnectionError' }
        312 { 'AuthenticationError' }
        313 { 'ProtocolError' }
        400 { 'OperationStopped' }
        default {
            if ($soa.IsInvalidInput) { 'InvalidArgument' } else { 'NotSpecified' }
        }
    }
    return [System.Management.Automation.ErrorRecord]::new($soa, $soa.StatusName, $category, $TargetObject)
}
