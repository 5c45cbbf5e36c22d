function Search-SoaAuditLog {
    <#
    .SYNOPSIS
    Searches the admin audit log, as Search-AdminAuditLog does, through a session (a tenant or a simulated organization).

    .DESCRIPTION
    Criteria left out match everything; names compare case-insensitively. Use -Parameter
    IsExchangeCloudManaged to see every flip and rollback with its caller.

    .EXAMPLE
    Search-SoaAuditLog -Session $s -Parameter IsExchangeCloudManaged -StartDate (Get-Date).AddDays(-7)
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.AuditRecord')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter()]
        [datetime] $StartDate,

        [Parameter()]
        [datetime] $EndDate,

        [Parameter()]
        [Alias('Cmdlets')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Cmdlet,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('ObjectIds', 'UserPrincipalName')]
        [string] $ObjectId,

        [Parameter()]
        [Alias('Parameters')]
        [string] $Parameter,

        [Parameter()]
        [Alias('UserIds')]
        [string] $Caller
    )

    process {
        $query = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('StartDate')) {
            $query['start'] = ConvertTo-Rfc3339 -Time $StartDate
        }
        if ($PSBoundParameters.ContainsKey('EndDate')) {
            $query['end'] = ConvertTo-Rfc3339 -Time $EndDate
        }
        if ($PSBoundParameters.ContainsKey('Cmdlet')) {
            $query['cmdlets'] = [string[]]@($Cmdlet)
        }
        $query['object'] = $ObjectId
        $query['parameter'] = $Parameter
        $query['caller'] = $Caller
        try {
            $records = @(ConvertFrom-JsonArray -Json ([ExchangeSoa.Api]::SearchAdminAuditLog($Session.Backend, (ConvertTo-CompactJson -InputObject $query -OmitEmpty))))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $query))
            return
        }
        foreach ($record in $records) {
            [pscustomobject]@{
                PSTypeName       = 'ExchangeSoa.AuditRecord'
                RunDate          = $record.time
                Caller           = $record.caller
                CmdletName       = $record.cmdlet
                ObjectModified   = $record.object
                CmdletParameters = ConvertTo-OrderedDictionary -InputObject $record.parameters
                OldValues        = ConvertTo-OrderedDictionary -InputObject $record.old_values
                NewValues        = ConvertTo-OrderedDictionary -InputObject $record.new_values
                Succeeded        = [bool]$record.succeeded
            }
        }
    }
}
