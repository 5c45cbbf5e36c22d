# The message of a caught error when the library refused the input as invalid (the value is then
# reported as not valid, not as an error); any other error is written as an error of the cmdlet
# and nothing is returned.
function Select-InvalidInputMessage {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [System.Management.Automation.ErrorRecord] $ErrorRecord,
        [object] $TargetObject
    )

    $soa = Get-NativeException -Exception $ErrorRecord.Exception
    if ($null -eq $soa -or -not $soa.IsInvalidInput) {
        $Cmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $ErrorRecord -TargetObject $TargetObject))
        return
    }
    $soa.Message
}
