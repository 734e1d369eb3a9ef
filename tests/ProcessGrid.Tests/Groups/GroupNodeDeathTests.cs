namespace ProcessGrid.Tests.Groups;

/// <summary>
/// A node that dies for real (a silo process killed with SIGKILL): its members vanish from the groups every survivor
/// sees, and the survivors' monitors hear that they left, without the dead node saying anything.
/// </summary>
public sealed class GroupNodeDeathTests
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(20);

    /// <summary>Joins <paramref name="group"/> on the node it runs on, then waits (runs on a silo that loads the test assembly).</summary>
    public sealed class Joiner(string group) : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx)
        {
            await ctx.Grid.Groups.JoinAsync(group, ctx.Self);
            await ctx.Receive<string>(s => s == "stop");
        }
    }

    [Fact]
    public async Task The_members_of_a_killed_silo_leave_every_survivors_groups_and_monitors_are_told()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (observer, survivor) = (cluster[0], cluster[1]);
        await using var silo = await cluster.StartSiloAsync("doomed", "--ProcessGrid:Assemblies:0", typeof(Joiner).Assembly.Location);
        var doomed = NodeName.Parse("doomed@localhost");
        await TestNode.Eventually(() => observer.Nodes.Contains(doomed) && survivor.Nodes.Contains(doomed), "the silo to connect to both nodes", Liveness);
        var watcher = Probe.Spawn(observer);
        var monitor = await observer.Groups.MonitorAsync(watcher.Pid, "g");
        var local = LocalGroupTests.Member(survivor);
        await survivor.Groups.JoinAsync("g", local);
        var onSilo = new List<Pid>();
        for (var i = 0; i < 3; i++)
        {
            onSilo.Add(await observer.SpawnAsync<Joiner>(doomed, "g"));
        }
        await ClusterGroupTests.Sees(observer, "g", [local, .. onSilo]);
        await ClusterGroupTests.Sees(survivor, "g", [local, .. onSilo]);

        silo.Kill();

        await ClusterGroupTests.Sees(observer, "g", [local]);
        await ClusterGroupTests.Sees(survivor, "g", [local]);
        var left = new List<Pid>();
        while (left.Count < onSilo.Count)
        {
            var message = await watcher.Expect<GroupLeft>(within: Liveness);
            Assert.Equal(monitor.Ref, message.Ref);
            left.AddRange(message.Pids);
        }
        Assert.Equal(onSilo.ToHashSet(), left.ToHashSet());
    }
}
