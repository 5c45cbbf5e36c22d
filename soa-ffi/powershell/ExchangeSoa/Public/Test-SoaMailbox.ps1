function Test-SoaMailbox {
    <#
    .SYNOPSIS
    Tests whether mailboxes can be transferred to cloud management.

    .DESCRIPTION
    Checks each mailbox (a Get-Mailbox object, a hashtable with Get-Mailbox property names, or
    the JSON of one mailbox): its recipient type, that it is dir-synced and not yet cloud-managed,
    and that it has not changed on-premises within the last sync cycle plus 24 hours. Writes a
    Finding per problem; nothing for a mailbox that is ready. Read mailboxes with Get-Mailbox:
    Get-EXOMailbox reportedly does not return IsExchangeCloudManaged.

    .PARAMETER AdWhenChanged
    AD's whenChanged for the user; preferred over the mailbox's WhenChangedUTC, which also moves
    on cloud-side changes.

    .PARAMETER Now
    The time to check against (default: now).

    .EXAMPLE
    Get-Mailbox -ResultSize Unlimited | Test-SoaMailbox | Where-Object Blocks
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Finding')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNull()]
        [object] $InputObject,

        [Parameter()]
        [datetime] $AdWhenChanged,

        [Parameter()]
        [datetime] $Now,

        [Parameter()]
        [System.Collections.IDictionary] $Requirement
    )

    begin {
        $preflight = [ordered]@{}
        ConvertTo-RequirementsEntry -Requirement $Requirement -Preflight $preflight
        $preflightJson = ConvertTo-CompactJson -InputObject $preflight
        $changed = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('AdWhenChanged')) {
            $changed = ConvertTo-Rfc3339 -Time $AdWhenChanged
        }
        $at = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('Now')) {
            $at = ConvertTo-Rfc3339 -Time $Now
        }
    }

    process {
        try {
            $json = ConvertTo-MailboxJson -InputObject $InputObject
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-InvalidArgumentRecord -ErrorId 'MailboxJsonIsArray' -TargetObject $InputObject -Message $_.Exception.Message))
            return
        }
        try {
            $report = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::CheckMailbox($preflightJson, $json, $changed, $at))
            foreach ($finding in @($report.findings)) {
                ConvertTo-FindingObject -Finding $finding
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $InputObject))
        }
    }
}
