function Test-SoaScript {
    <#
    .SYNOPSIS
    Audits PowerShell scripts for writes of Exchange attributes that no longer land where the authority is.

    .DESCRIPTION
    Parses a script, or every .ps1, .psm1 and .psd1 file under a folder, and reports the commands
    that still write Exchange attributes on-premises (Set-RemoteMailbox, Set-ADUser -Replace of
    proxyAddresses or extensionAttributeN, ...), loads of the Exchange tools, account deletions,
    authority flips without a ticket, and what it cannot decide (splats built elsewhere). Comments
    and strings that mention cmdlets are not commands. Each finding has a stable rule id
    (SOA-PS001...) and, where a safe rewrite exists, the Exchange Online command that replaces it.

    Writes ExchangeSoa.ScriptFinding objects; -Format Text, Json or Sarif writes the report as one
    string instead (SARIF 2.1.0 for code-scanning tools). -Fix writes the rewritten scripts: copies
    under -OutputPath (keeping the folder layout), or, only with -InPlace, over the scripts
    themselves. Without -Fix nothing is written.

    .PARAMETER MaxFileBytes
    Files larger than this are reported as unreadable (SOA-PS901) instead of audited.

    .EXAMPLE
    Test-SoaScript -Path .\scripts | Group-Object Rule

    .EXAMPLE
    Test-SoaScript -Path .\scripts -Format Sarif | Set-Content .\audit.sarif

    .EXAMPLE
    Test-SoaScript -Path .\scripts -Fix -OutputPath .\rewritten -WhatIf
    #>
    [CmdletBinding(DefaultParameterSetName = 'Audit', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.ScriptFinding', [string])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter()]
        [ValidateSet('Object', 'Text', 'Json', 'Sarif')]
        [string] $Format = 'Object',

        [Parameter()]
        [switch] $Fix,

        [Parameter(ParameterSetName = 'Copy', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $OutputPath,

        [Parameter(ParameterSetName = 'InPlace', Mandatory)]
        [switch] $InPlace,

        [Parameter()]
        [ValidateRange(1, [long]::MaxValue)]
        [long] $MaxFileBytes,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        if ($Fix -and $PSCmdlet.ParameterSetName -eq 'Audit') {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'FixWithoutTarget' -TargetObject $null -Message (
                        '-Fix writes the rewritten scripts: give -OutputPath for copies, or -InPlace to change the scripts themselves.')))
        }
        if (-not $Fix -and $PSCmdlet.ParameterSetName -ne 'Audit') {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'TargetWithoutFix' -TargetObject $null -Message (
                        '-OutputPath and -InPlace say where -Fix writes the rewritten scripts; add -Fix.')))
        }
        $catalog = Get-CommandCatalog -Cmdlet $PSCmdlet -OverridePath $OverridePath
        $optionsJson = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('MaxFileBytes')) {
            $optionsJson = ConvertTo-CompactJson -InputObject ([ordered]@{ max_file_bytes = $MaxFileBytes })
        }
        $outDir = [NullString]::Value
        if ($PSCmdlet.ParameterSetName -eq 'Copy') {
            $outDir = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $OutputPath
        }
    }

    process {
        foreach ($item in $Path) {
            $full = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $item
            try {
                Invoke-ScriptAudit -Catalog $catalog -Path $full -OptionsJson $optionsJson -Format $Format
                if ($Fix) {
                    $where = if ($InPlace) { 'in place' } else { "as copies under $outDir" }
                    if ($PSCmdlet.ShouldProcess($full, "Write the safe rewrites of the scripts $where")) {
                        $written = [ExchangeSoa.Api]::FixScripts($catalog, $full, $optionsJson, $outDir, [bool]$InPlace)
                        Write-Verbose -Message "$written rewritten script(s) of $full written $where."
                    }
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
            }
        }
    }
}
