using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// Restart types: permanent children are always restarted; transient ones unless they exit <c>normal</c>,
/// <c>shutdown</c> or <c>{shutdown, _}</c>; temporary ones never, and their spec is removed.
/// </summary>
public sealed class RestartTypeTests
{
    public static TheoryData<RestartType, string, bool> Cases => new()
    {
        { RestartType.Permanent, "normal", true },
        { RestartType.Permanent, "shutdown", true },
        { RestartType.Permanent, "shutdown_with_detail", true },
        { RestartType.Permanent, "crash", true },
        { RestartType.Transient, "normal", false },
        { RestartType.Transient, "shutdown", false },
        { RestartType.Transient, "shutdown_with_detail", false },
        { RestartType.Transient, "crash", true },
        { RestartType.Temporary, "normal", false },
        { RestartType.Temporary, "shutdown", false },
        { RestartType.Temporary, "crash", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_child_exit_is_answered_by_its_restart_type(RestartType restart, string how, bool restarted)
    {
        var reason = how switch
        {
            "normal" => ExitReason.Normal,
            "shutdown" => ExitReason.Shutdown,
            "shutdown_with_detail" => ExitReason.ShutdownWith("done"),
            _ => Crash,
        };
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("w", probe) with { Restart = restart }]));
        var first = await probe.ExpectStarted("w");

        node.Cast(first.Pid, new StopWith(reason));
        await probe.ExpectTerminated("w", reason);

        if (restarted)
        {
            var second = await probe.ExpectStarted("w");
            // Answered after the supervisor has finished handling the exit.
            Assert.Equal([new ChildInfo("w", second.Pid, ChildType.Worker, false)], await node.WhichChildrenAsync(sup));
        }
        else if (restart == RestartType.Temporary)
        {
            await node.ChildrenWhen(sup, children => children.Count == 0, "the temporary child's spec is removed");
        }
        else
        {
            var children = await node.ChildrenWhen(sup, children => children[0].Pid != first.Pid, "the supervisor has handled the exit");
            Assert.Equal([new ChildInfo("w", null, ChildType.Worker, false)], children);
        }
        // Had the child been restarted, it would have reported so before the supervisor's answer above.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }
}
