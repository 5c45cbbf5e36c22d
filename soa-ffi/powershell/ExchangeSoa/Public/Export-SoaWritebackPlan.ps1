function Export-SoaWritebackPlan {
    <#
    .SYNOPSIS
    Writes a writeback plan: the LDIF and the PowerShell script that bring AD up to the cloud values.

    .DESCRIPTION
    Takes a reconciliation report (-Report, from Compare-SoaDirectory -PassThru, or -ReportPath, a
    JSON report it saved) and plans, for the chosen differences, the changes that write the cloud
    value to the AD account: by default the differences where Exchange Online masters the attribute
    and AD holds a stale value (class cloud_master_ad_stale); -Class, -Attribute and -Mailbox choose
    others. Writes the plan as LDIF for ldifde -i (-LdifPath) and as a script of Set-ADUser calls
    (-ScriptPath; it runs with -WhatIf unless started with -Apply), every value quoted or encoded.
    Nothing is applied to AD: the files are for review. At least one path is required.

    Writes an ExchangeSoa.WritebackPlan with the number of changes and the files.

    .EXAMPLE
    Compare-SoaDirectory -AdPath .\ad.csv -CloudPath .\mailboxes.json -PassThru |
        Export-SoaWritebackPlan -LdifPath .\writeback.ldf -ScriptPath .\writeback.ps1

    .EXAMPLE
    Export-SoaWritebackPlan -ReportPath .\drift.json -Class conflict -Attribute extensionAttribute1 -ScriptPath .\fix.ps1 -WhatIf
    #>
    [CmdletBinding(DefaultParameterSetName = 'Report', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.WritebackPlan')]
    param(
        [Parameter(ParameterSetName = 'Report', Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.ReconcileReport')]
        [psobject] $Report,

        [Parameter(ParameterSetName = 'Path', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $ReportPath,

        [Parameter()]
        [ValidateSet('cloud_master_ad_stale', 'ad_master_cloud_behind', 'identity_drift', 'conflict')]
        [string[]] $Class,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Attribute,

        [Parameter()]
        [Alias('Identity')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Mailbox,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $LdifPath,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ScriptPath
    )

    begin {
        if (-not ($PSBoundParameters.ContainsKey('LdifPath') -or $PSBoundParameters.ContainsKey('ScriptPath'))) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'NoPlanPath' -TargetObject $null -Message (
                        'Give -LdifPath, -ScriptPath or both: the plan is written to files for review.')))
        }
        $selection = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Class')) {
            $selection['classes'] = [string[]]@($Class)
        }
        if ($PSBoundParameters.ContainsKey('Attribute')) {
            $selection['attributes'] = [string[]]@($Attribute)
        }
        if ($PSBoundParameters.ContainsKey('Mailbox')) {
            $selection['mailboxes'] = [string[]]@($Mailbox)
        }
        $selectionJson = ConvertTo-CompactJson -InputObject $selection
        # [NullString]::Value, not $null: PowerShell hands $null to a string parameter of a .NET
        # method as an empty string. Without a path, the plan is only counted.
        $ldifFile = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('LdifPath')) {
            $ldifFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $LdifPath
        }
        $scriptFile = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('ScriptPath')) {
            $scriptFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $ScriptPath
        }
    }

    process {
        $loaded = $null
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Path') {
                $loaded = [ExchangeSoa.Api]::LoadReconcileReport((Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $ReportPath))
                $handle = $loaded
            }
            else {
                $handle = $Report.Handle
            }
            # Counted first (nothing written), so that -WhatIf and the prompt say how much.
            $count = [ExchangeSoa.Api]::SaveWritebackPlan($handle, $selectionJson, [NullString]::Value, [NullString]::Value)
            $files = (@($LdifPath, $ScriptPath) | Where-Object { -not [string]::IsNullOrEmpty($_) }) -join ' and '
            if (-not $PSCmdlet.ShouldProcess($files, "Write a writeback plan of $count attribute change(s) (nothing is applied to AD)")) {
                return
            }
            $written = [ExchangeSoa.Api]::SaveWritebackPlan($handle, $selectionJson, $ldifFile, $scriptFile)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $selection -IoCategory 'WriteError'))
            return
        }
        finally {
            if ($null -ne $loaded) {
                $loaded.Dispose()
            }
        }
        [pscustomobject]@{
            PSTypeName = 'ExchangeSoa.WritebackPlan'
            Changes    = $written
            LdifPath   = ConvertTo-NullIfEmpty -Text ([string]$ldifFile)
            ScriptPath = ConvertTo-NullIfEmpty -Text ([string]$scriptFile)
        }
    }
}
