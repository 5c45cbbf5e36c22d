# An RbacReport of the library's JSON (already parsed) as an ExchangeSoa.RbacReport.
function ConvertTo-RbacReportObject {
    param([object] $Report, [string] $RoleGroupName)

    $assignments = @(foreach ($assignment in @($Report.assignments | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RoleAssignment'
                Role       = $assignment.role
                Assignee   = $assignment.assignee
                Cmdlet     = 'Set-Mailbox'
                Parameter  = 'IsExchangeCloudManaged'
            }
        })
    [pscustomobject]@{
        PSTypeName    = 'ExchangeSoa.RbacReport'
        RoleGroupName = $RoleGroupName
        Assignments   = $assignments
        Commands      = [string[]]@($Report.commands)
        Caveats       = [string[]]@($Report.caveats)
    }
}
