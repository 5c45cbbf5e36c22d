function Get-SoaMailbox {
    <#
    .SYNOPSIS
    Gets mailboxes, as Get-Mailbox does, through a session (a tenant or a simulated organization).

    .DESCRIPTION
    With -Identity (UPN, SMTP address, alias, ExternalDirectoryObjectId or ExchangeGuid), writes
    those mailboxes. Without it, lists the mailboxes that pass the filters page by page, writing
    each page to the pipeline as it arrives (Select-Object -First stops the listing early). Through
    a tenant, nothing is sent until the first page is read, and the gateway's pages are followed.
    Objects carry the Get-Mailbox property names, so they can be piped to Test-SoaMailbox,
    Set-SoaMailbox, Set-SoaCloudManaged and New-SoaTransferPlan.

    .PARAMETER Session
    The session (New-SoaSession) whose Exchange Online is read.

    .PARAMETER PageSize
    Mailboxes per page read from the library (default 1000).

    .EXAMPLE
    Get-SoaMailbox -Session $s -DirSynced -CloudManaged:$false -RecipientType UserMailbox | Test-SoaMailbox

    .EXAMPLE
    Get-SoaMailbox -Session $s alice@contoso.com
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('ExchangeSoa.Mailbox')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(ParameterSetName = 'Identity', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity,

        [Parameter(ParameterSetName = 'List')]
        [switch] $DirSynced,

        [Parameter(ParameterSetName = 'List')]
        [switch] $CloudManaged,

        [Parameter(ParameterSetName = 'List')]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string[]] $RecipientType,

        [Parameter(ParameterSetName = 'List')]
        [ValidateRange(1, 100000)]
        [int] $PageSize = 1000
    )

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            foreach ($item in $Identity) {
                try {
                    $mailbox = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::GetMailbox($Session.Backend, $item))
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                    continue
                }
                ConvertTo-MailboxObject -Mailbox $mailbox
            }
            return
        }

        $filter = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('DirSynced')) {
            $filter['dir_synced'] = [bool]$DirSynced
        }
        if ($PSBoundParameters.ContainsKey('CloudManaged')) {
            $filter['cloud_managed'] = [bool]$CloudManaged
        }
        if ($PSBoundParameters.ContainsKey('RecipientType')) {
            $filter['recipient_types'] = [string[]]@($RecipientType)
        }
        try {
            $pager = [ExchangeSoa.Api]::ListMailboxes($Session.Backend, (ConvertTo-CompactJson -InputObject $filter))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $filter))
            return
        }
        # The pager is released however the listing ends, including when a downstream command
        # (Select-Object -First) stops the pipeline.
        try {
            Read-MailboxPager -Cmdlet $PSCmdlet -Pager $pager -PageSize $PageSize -TargetObject $filter
        }
        finally {
            $pager.Dispose()
        }
    }
}
