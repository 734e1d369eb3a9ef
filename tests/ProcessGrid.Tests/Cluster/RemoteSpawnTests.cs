namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// <c>spawn(Node, M, F, A)</c>: a process of a named class starts on the given node with arguments that travel as
/// messages do; spawn_link and spawn_monitor on another node set up the link or monitor before the child runs; a
/// closure cannot be spawned on another node, and the error says so.
/// </summary>
public sealed class RemoteSpawnTests
{
    public sealed record Settings(string Name, int Level, IReadOnlyList<string> Tags);

    public sealed record Reported(Pid Self, NodeName Node, Settings Settings, Pid? Parent);

    /// <summary>Reports where it runs and what it was given, then waits.</summary>
    public sealed class Reporter(Pid reportTo, Settings settings) : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx)
        {
            ctx.Send(reportTo, new Reported(ctx.Self, ctx.Grid.Node, settings, ctx.Parent));
            await Worker.Run(ctx);
        }
    }

    /// <summary>Crashes as soon as it runs.</summary>
    public sealed class CrashAtOnce : GridProcess
    {
        public const string Message = "crashed at once";

        protected override Task RunAsync(IProcessContext ctx) => throw new InvalidOperationException(Message);
    }

    /// <summary>A server that counts from where it was told to start.</summary>
    public sealed class Counter(int start) : GenServer
    {
        private int _count = start;

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(++_count);
    }

    private static readonly ExitReason CrashedAtOnce = ExitReason.FromException(typeof(InvalidOperationException).FullName!, CrashAtOnce.Message);

    [Fact]
    public async Task SpawnAsync_starts_a_process_of_a_named_class_on_the_given_node_with_its_arguments()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var probe = Probe.Spawn(cluster[0]);
        var settings = new Settings("alpha", 3, ["x", "y"]);

        var pid = await cluster[0].SpawnAsync<Reporter>(cluster[1].Node, probe.Pid, settings);

        Assert.Equal(cluster[1].Node, pid.Node);
        Assert.Equal(cluster[1].Creation, pid.Creation);
        var reported = await probe.Expect<Reported>();
        Assert.Equal(pid, reported.Self);
        Assert.Equal(cluster[1].Node, reported.Node);
        Assert.Equal(settings.Name, reported.Settings.Name);
        Assert.Equal(settings.Level, reported.Settings.Level);
        Assert.Equal(settings.Tags, reported.Settings.Tags);
        Assert.NotNull(cluster[1].GetProcessInfo(pid));
        Assert.Null(cluster[0].GetProcessInfo(pid));
        // The pid it got as an argument works from there: its report came back through it.
        cluster[0].Send(pid, new Worker.Ping(probe.Pid));
        Assert.Equal(new Worker.Pong(pid), await probe.Expect<Worker.Pong>());
    }

    [Fact]
    public async Task SpawnAsync_starts_a_server_on_the_given_node_that_answers_calls()
    {
        await using var cluster = await TestCluster.StartAsync(2);

        var counter = await cluster[0].SpawnAsync<Counter>(cluster[1].Node, 41);

        Assert.Equal(cluster[1].Node, counter.Node);
        Assert.Equal(42, await cluster[0].Call<int>(counter, "next"));
        Assert.Equal(43, await cluster[1].Call<int>(counter, "next"));
    }

    [Fact]
    public async Task SpawnLinkAsync_on_another_node_links_before_the_child_runs_so_an_immediate_crash_reaches_the_parent()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var parent = await Probe.SpawnTrappingExits(cluster[0]);

        var child = await (await parent.Run(ctx => ctx.SpawnLinkAsync<CrashAtOnce>(cluster[1].Node).AsTask())).Within("the spawn");

        Assert.Equal(cluster[1].Node, child.Node);
        Assert.Equal(new Exit(child, CrashedAtOnce), await parent.Expect<Exit>());
        Assert.Empty(cluster[0].GetProcessInfo(parent.Pid)!.Links);
    }

    [Fact]
    public async Task SpawnLinkAsync_on_another_node_ends_a_non_trapping_parent_when_the_child_crashes_at_once()
    {
        await using var cluster = await TestCluster.StartAsync(2);

        var parent = cluster[0].Spawn(async ctx =>
        {
            await ctx.SpawnLinkAsync<CrashAtOnce>(cluster[1].Node);
            await ctx.Receive<Guid>();
        });

        Assert.Equal(CrashedAtOnce, await cluster[0].WhenExited(parent).Within("the parent to exit"));
    }

    [Fact]
    public async Task SpawnLinkAsync_on_another_node_ends_the_child_when_the_parent_crashes()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var probe = Probe.Spawn(cluster[0]);
        var parent = cluster[0].Spawn(async ctx =>
        {
            await ctx.SpawnLinkAsync<Reporter>(cluster[1].Node, probe.Pid, new Settings("child", 1, []));
            await ctx.Receive<Worker.Crash>();
            throw new InvalidOperationException(Worker.CrashMessage);
        });
        var reported = await probe.Expect<Reported>();
        Assert.Equal(parent, reported.Parent);
        var child = reported.Self;
        var childExited = cluster[1].WhenExited(child);

        cluster[0].Send(parent, new Worker.Crash());

        Assert.Equal(Worker.CrashReason, await childExited.Within("the child to exit"));
    }

    [Fact]
    public async Task SpawnMonitorAsync_on_another_node_monitors_before_the_child_runs_so_an_immediate_crash_gives_Down()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var parent = Probe.Spawn(cluster[0]);

        var (child, monitor) = await (await parent.Run(ctx => ctx.SpawnMonitorAsync<CrashAtOnce>(cluster[1].Node).AsTask())).Within("the spawn");

        Assert.Equal(cluster[1].Node, child.Node);
        Assert.Equal(new Down(monitor, child, CrashedAtOnce), await parent.Expect<Down>());
        Assert.Empty(cluster[0].GetProcessInfo(parent.Pid)!.Monitors);
    }

    [Fact]
    public async Task A_closure_cannot_be_spawned_on_another_node_and_the_error_says_code_does_not_travel()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var processesThere = cluster[1].Processes().Count;

        var error = Assert.Throws<NotSupportedException>(() => cluster[0].Spawn(cluster[1].Node, ctx => ctx.Receive<Guid>().AsTask()));

        Assert.Contains("code does not travel", error.Message, StringComparison.Ordinal);
        Assert.Contains(cluster[1].Node.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("SpawnAsync<TProcess>(node", error.Message, StringComparison.Ordinal);
        Assert.Equal(processesThere, cluster[1].Processes().Count);
        // On its own node, the same call spawns the closure.
        var local = cluster[0].Spawn(cluster[0].Node, ctx => ctx.Receive<Guid>().AsTask());
        Assert.Equal(cluster[0].Node, local.Node);
        Assert.NotNull(cluster[0].GetProcessInfo(local));
    }

    [Fact]
    public async Task SpawnAsync_on_a_node_that_is_not_a_member_fails_with_ProcessStartException_nodedown()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var stranger = NodeName.Parse("stranger@localhost");

        var error = await Assert.ThrowsAsync<ProcessStartException>(() => cluster[0].SpawnAsync<Counter>(stranger, 1).AsTask()).Within("the spawn to fail");

        Assert.Equal(ExitReason.NodeDown(stranger), error.Reason);
        Assert.Empty(cluster[0].Distribution!.Get(stranger).PendingSpawns);
    }

    [Fact]
    public async Task SpawnAsync_with_arguments_the_class_does_not_take_fails_with_the_reason_from_the_other_node()
    {
        await using var cluster = await TestCluster.StartAsync(2);

        var error = await Assert.ThrowsAsync<ProcessStartException>(() => cluster[0].SpawnAsync<Counter>(cluster[1].Node, "not a number").AsTask());

        Assert.Equal(ExitReasonKind.Custom, error.Reason.Kind);
        Assert.Contains(typeof(Counter).FullName!, error.Reason.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster[1].Processes(), p => cluster[1].GetProcessInfo(p)?.Type == typeof(Counter).FullName);
    }

    [Fact]
    public async Task SpawnAsync_with_an_argument_that_cannot_travel_fails_at_the_caller_naming_its_type()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        Func<int> code = () => 1;

        var error = await Assert.ThrowsAsync<MessageSerializationException>(() => cluster[0].SpawnAsync<Counter>(cluster[1].Node, code).AsTask());

        Assert.Contains("cannot be sent to another node", error.Message, StringComparison.Ordinal);
        Assert.Contains("System.Func", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingSpawns);
    }
}
