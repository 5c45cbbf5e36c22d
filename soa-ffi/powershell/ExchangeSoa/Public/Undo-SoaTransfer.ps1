function Undo-SoaTransfer {
    <#
    .SYNOPSIS
    Rolls mailboxes back to on-premises management (IsExchangeCloudManaged to False), after the loss report.

    .DESCRIPTION
    For each mailbox, compares its cloud values with AD's and reports which ones the next sync
    will overwrite. When any would be lost, the rollback is refused (OperationStopped, with the
    loss named) unless -AcknowledgeLoss is given, or -ExportPath names a folder where the values
    are saved first (rollback-loss-<identity>.json). Then sets the flag in a call of its own and
    reads it back. With -RunDirectory the refusal or the rollback is recorded in that run's audit
    log. AD is read through the session's directory; without one the rollback is refused unless
    the loss is acknowledged, and the outcome says AD was not checked (DirectoryChecked).

    .EXAMPLE
    Undo-SoaTransfer -Session $s -Identity alice@contoso.com -ExportPath ./loss -RunDirectory $run -Force

    .EXAMPLE
    $results | Where-Object Step -eq 'probe_failed' | Undo-SoaTransfer -Session $s -AcknowledgeLoss
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.RollbackOutcome')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [switch] $AcknowledgeLoss,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ExportPath,

        [Parameter()]
        [string] $Ticket,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $RunDirectory,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Set IsExchangeCloudManaged to False (the next sync overwrites cloud values with AD values)')) {
            return
        }
        $options = [ordered]@{
            acknowledge_loss = [bool]$AcknowledgeLoss
            ticket           = $Ticket
            export_to        = $null
        }
        $auditFile = [NullString]::Value
        try {
            if ($PSBoundParameters.ContainsKey('ExportPath')) {
                $options['export_to'] = Get-RollbackLossPath -Directory (Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $ExportPath) -Identity $Identity
            }
            if ($PSBoundParameters.ContainsKey('RunDirectory')) {
                $auditFile = (Get-RunFolder -Cmdlet $PSCmdlet -Path $RunDirectory).Audit
            }
            $outcome = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::RollbackTransfer($Session.Handle, $Identity,
                    (ConvertTo-CompactJson -InputObject $options -OmitEmpty), $auditFile))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        ConvertTo-RollbackOutcomeObject -Outcome $outcome
    }
}
