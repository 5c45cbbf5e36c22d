function Set-SoaMailbox {
    <#
    .SYNOPSIS
    Changes attributes of a mailbox, as Set-Mailbox does, through a session (a tenant or a simulated organization).

    .DESCRIPTION
    One Set-Mailbox call with the attributes in -Set (replace; $null clears), -Add and -Remove
    (multi-valued attributes, as -EmailAddresses @{Add=...; Remove=...}). Keys are any catalog
    name (CustomAttribute1, extensionAttribute1, EmailAddresses, ...). While the mailbox's Exchange
    attributes are mastered on-premises Exchange Online refuses with the write-scope error
    (InvalidOperation). Through a tenant, a call whose outcome is unknown (a timeout, a 5xx) is read
    back before it is sent again, so a change is never applied twice.

    .EXAMPLE
    Get-SoaMailbox -Session $s alice@contoso.com | Set-SoaMailbox -Session $s -Set @{ CustomAttribute1 = 'Sales' }
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.Mailbox')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [System.Collections.IDictionary] $Set,

        [Parameter()]
        [System.Collections.IDictionary] $Add,

        [Parameter()]
        [System.Collections.IDictionary] $Remove,

        [Parameter()]
        [switch] $PassThru
    )

    begin {
        if (-not ($PSBoundParameters.ContainsKey('Set') -or $PSBoundParameters.ContainsKey('Add') -or $PSBoundParameters.ContainsKey('Remove'))) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'NothingToChange' -TargetObject $Identity -Message (
                        'Set-SoaMailbox: nothing to change; give -Set, -Add or -Remove.')))
        }
        $changes = [ordered]@{
            set    = ConvertTo-ChangeMap -Values $Set
            add    = ConvertTo-ChangeMap -Values $Add -AsStringLists
            remove = ConvertTo-ChangeMap -Values $Remove -AsStringLists
        }
        $changesJson = ConvertTo-CompactJson -InputObject $changes
        $action = "Set-Mailbox: $(Format-ChangeList -Changes $changes)"
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, $action)) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetMailbox($Session.Backend, $Identity, $changesJson)
            if ($PassThru) {
                # Read back as Get-SoaMailbox writes it (its errors are its own).
                Get-SoaMailbox -Session $Session -Identity $Identity
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
        }
    }
}
