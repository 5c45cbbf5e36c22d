# An ErrorRecord for a parameter value the module refuses before calling the library.
function ConvertTo-InvalidArgumentRecord {
    param([string] $Message, [string] $ErrorId, [object] $TargetObject)

    $exception = [System.ArgumentException]::new($Message)
    return [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, 'InvalidArgument', $TargetObject)
}
