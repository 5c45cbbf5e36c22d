function New-SoaSession {
    <#
    .SYNOPSIS
    Opens a session: the Exchange Online to work on (a simulated organization or a tenant), the on-premises directory, the catalog and the actor.

    .DESCRIPTION
    Every Exchange Online cmdlet and every workflow (Get-SoaMailbox, Set-SoaCloudManaged,
    Get-SoaPreflight, New-SoaTransferPlan, Start-SoaTransfer, Undo-SoaTransfer, Restore-SoaBackup,
    Compare-SoaDirectory, ...) takes the session with -Session, so they work the same on the
    simulated organization (-Org) and on a tenant (-Connection, from Connect-SoaTenant).

    The library decides the defaults, once: the actor recorded in audit logs is the backend's
    principal (the app's identity for a tenant, the principal of the simulated organization)
    unless -Actor names another (an empty actor is refused); the clock is the simulation's virtual
    one when there is a simulation, else the system's; the catalog is the built-in one unless
    -Catalog names an override file. -Directory is the on-premises AD (New-SoaDirectory); a
    simulated organization brings its own AD. Without a directory, plans and rollbacks say that
    AD was not checked.

    .PARAMETER Org
    A simulated organization (New-SoaSimulatedOrg, Import-SoaSimulatedOrg, Connect-SoaSimulatedOrg).

    .PARAMETER Connection
    A tenant connection (Connect-SoaTenant).

    .PARAMETER Directory
    The on-premises directory (New-SoaDirectory).

    .PARAMETER Catalog
    A catalog override file (JSON) applied to the built-in catalog.

    .PARAMETER Actor
    Who the audit logs name as acting.

    .EXAMPLE
    $s = New-SoaSimulatedOrg -Tenant contoso.onmicrosoft.com | New-SoaSession

    .EXAMPLE
    $s = New-SoaSession -Connection (Connect-SoaTenant -Tenant $id -ClientId $appId -CertificatePath ./app.pem) -Directory (New-SoaDirectory -Org $lab)
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.Session')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory, Position = 0, ValueFromPipeline)]
        [Alias('Client')]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter()]
        [PSTypeName('ExchangeSoa.Directory')]
        [psobject] $Directory,

        [Parameter()]
        [Alias('OverridePath')]
        [ValidateNotNullOrEmpty()]
        [string] $Catalog,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Actor
    )

    process {
        switch ($PSCmdlet.ParameterSetName) {
            'Org' {
                $tenant = $Org.Tenant
                $kind = 'Simulated'
            }
            default {
                $tenant = $Connection.Tenant
                $kind = 'Tenant'
            }
        }
        if (-not $PSCmdlet.ShouldProcess($tenant, 'Open a session')) {
            return
        }
        $catalogHandle = $null
        $directoryHandle = $null
        # [NullString]::Value, not $null: PowerShell hands $null (and an unbound [string] parameter,
        # which is empty) to a .NET string parameter as an empty string, an actor the library refuses.
        $actorArgument = [NullString]::Value
        if ($PSBoundParameters.ContainsKey('Actor')) {
            $actorArgument = $Actor
        }
        $directoryName = $null
        try {
            if ($PSBoundParameters.ContainsKey('Catalog')) {
                $catalogHandle = Get-CatalogHandle -OverridePath (Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $Catalog)
            }
            if ($null -ne $Directory) {
                $directoryHandle = $Directory.Handle
                $directoryName = $Directory.Name
            }
            elseif ($PSCmdlet.ParameterSetName -eq 'Org') {
                $directoryHandle = [ExchangeSoa.Api]::DirectoryFromSim($Org.Handle)
                $directoryName = $Org.Tenant
            }
            if ($PSCmdlet.ParameterSetName -eq 'Org') {
                $backend = [ExchangeSoa.Api]::BackendFromSim($Org.Handle)
            }
            else {
                $backend = [ExchangeSoa.Api]::BackendFromClient($Connection.Handle)
            }
            $handle = [ExchangeSoa.Api]::NewSession($backend, $directoryHandle, $catalogHandle, $actorArgument)
            $backend.Dispose()
            ConvertTo-SessionObject -Handle $handle -Tenant $tenant -Kind $kind -Directory $directoryName
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $tenant))
        }
    }
}
