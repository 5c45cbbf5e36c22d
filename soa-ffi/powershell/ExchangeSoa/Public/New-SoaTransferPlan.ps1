function New-SoaTransferPlan {
    <#
    .SYNOPSIS
    Plans a transfer of the source of authority to Exchange Online: which mailboxes go, and why the others do not.

    .DESCRIPTION
    Reads the selected mailboxes and decides go or skip for each with the preflight findings,
    under the policy: a change ticket is required (-Ticket; -NoTicketRequired relaxes it), a
    wave holds at most -BatchCap mailboxes, excluded and ineligible mailboxes are skipped, and so
    is a mailbox changed on-premises within the last sync cycle plus 24 hours (-IgnoreSettleRule
    turns that into a warning). A plan changes nothing; Start-SoaTransfer runs it.

    The selection: mailboxes piped in or given with -Identity; the identities of a CSV file
    (-CsvPath: an Identity, UserPrincipalName, PrimarySmtpAddress, Mail or Alias column, as
    Export-Csv writes it); otherwise every dir-synced mailbox not yet cloud-managed (of the
    -RecipientType types), in the service's order, those beyond the batch cap deferred to later
    waves. An explicit selection with more eligible mailboxes than the cap is refused.

    The organization findings come from -Preflight (Get-SoaPreflight, or a hashtable with the
    library's Preflight keys: sync, tenant, caller, requirements); a blocking one stops the run.
    The settle rule reads AD through the session's directory; a session without one says so in
    every go entry. The plan is made at the session's time (the virtual clock of a simulation).

    .EXAMPLE
    $plan = New-SoaTransferPlan -Session $s -Ticket CHG-1042 -BatchCap 25 -RecipientType UserMailbox

    .EXAMPLE
    Import-Csv wave1.csv | New-SoaTransferPlan -Session $s -Ticket CHG-7 -Preflight (Get-SoaPreflight -Session $s)
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.TransferPlan')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CsvPath,

        [Parameter()]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string[]] $RecipientType,

        [Parameter()]
        [string] $Ticket,

        [Parameter()]
        [switch] $NoTicketRequired,

        [Parameter()]
        [ValidateRange(1, 1000000)]
        [int] $BatchCap = 25,

        [Parameter()]
        [string[]] $Exclude,

        [Parameter()]
        [switch] $IgnoreSettleRule,

        [Parameter()]
        [ValidateRange(1, 64)]
        [int] $MaxConcurrency = 4,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ProbeAttribute,

        [Parameter()]
        [ValidateNotNull()]
        [object] $Preflight
    )

    begin {
        $identities = [System.Collections.Generic.List[string]]::new()
    }

    process {
        foreach ($item in @($Identity | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })) {
            $identities.Add($item)
        }
    }

    end {
        $csvFile = $null
        if ($PSBoundParameters.ContainsKey('CsvPath')) {
            $csvFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $CsvPath
        }
        try {
            $selection = ConvertTo-SelectionJson -Identity $identities.ToArray() -CsvPath $csvFile -RecipientType $RecipientType
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $CsvPath))
        }
        $policy = [ordered]@{
            require_ticket      = -not $NoTicketRequired
            batch_cap           = $BatchCap
            exclusions          = [string[]]@($Exclude | Where-Object { $null -ne $_ })
            enforce_settle_rule = -not $IgnoreSettleRule
            max_concurrency     = $MaxConcurrency
            ticket              = $Ticket
            allowed_types       = $null
            probe_attribute     = $ProbeAttribute
        }
        if ($PSBoundParameters.ContainsKey('RecipientType')) {
            $policy['allowed_types'] = [string[]]@($RecipientType)
        }
        if (-not $PSCmdlet.ShouldProcess("$($selection.Description) in $($Session.Tenant)", 'Plan a transfer (reads mailboxes, changes nothing)')) {
            return
        }
        try {
            $planJson = [ExchangeSoa.Api]::PlanTransfer($Session.Handle, $selection.Json,
                (ConvertTo-CompactJson -InputObject $policy -OmitEmpty), (ConvertTo-PreflightJson -Preflight $Preflight))
            $plan = ConvertTo-TransferPlanObject -PlanJson $planJson -Session $Session
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $selection.Json))
            return
        }
        Write-Verbose -Message $plan.Summary
        $plan
    }
}
