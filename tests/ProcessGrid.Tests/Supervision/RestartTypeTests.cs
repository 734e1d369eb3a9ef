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
        await node.WhenExited(first.Pid).Within("the child to exit");

        // The child's exit signal reached the supervisor before the child finished exiting, so the supervisor has
        // acted on it (restarting the child, or not) before it answers this call.
        var children = await node.WhichChildrenAsync(sup);
        if (restarted)
        {
            var second = await probe.ExpectStarted("w");
            Assert.Equal([new ChildInfo("w", second.Pid, ChildType.Worker, false)], children);
        }
        else if (restart == RestartType.Temporary)
        {
            Assert.Empty(children);
        }
        else
        {
            Assert.Equal([new ChildInfo("w", null, ChildType.Worker, false)], children);
        }
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }
}
