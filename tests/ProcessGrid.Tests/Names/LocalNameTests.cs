namespace ProcessGrid.Tests.Names;

/// <summary>Node-local names: register, unregister, whereis, registered, Name ! Msg, and start with a name.</summary>
public sealed class LocalNameTests
{
    private sealed class EchoServer : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => ValueTask.FromResult<object?>(request);
    }

    private static Pid SpawnForwarder(IProcessGrid node, Probe probe) => node.Spawn(async ctx =>
    {
        while (true)
        {
            ctx.Send(probe.Pid, await ctx.Receive());
        }
    });

    private static Pid SpawnIdle(IProcessGrid node) => node.Spawn(ctx => ctx.Receive<Guid>().AsTask());

    [Fact]
    public async Task Register_makes_the_process_reachable_by_name_through_Whereis_Registered_and_Send()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = SpawnForwarder(node, probe);

        node.Register("echo", pid);

        Assert.Equal(pid, node.Whereis("echo"));
        Assert.Contains("echo", node.Registered());
        Assert.Equal("echo", node.GetProcessInfo(pid)!.RegisteredName);
        node.Send("echo", "by name");
        await probe.ExpectNext("by name");
    }

    [Fact]
    public async Task A_process_sends_to_a_name_too()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        node.Register("echo", SpawnForwarder(node, probe));

        node.Spawn(ctx =>
        {
            ctx.Send("echo", "from a process, by name");
            return Task.CompletedTask;
        });

        await probe.ExpectNext("from a process, by name");
    }

    [Fact]
    public async Task Send_to_a_name_nobody_holds_throws_NameNotRegisteredException()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var error = Assert.Throws<NameNotRegisteredException>(() => node.Send("nobody", "hello?"));
        Assert.Equal("nobody", error.Name);

        node.Spawn(ctx =>
        {
            try
            {
                ctx.Send("nobody", "hello?");
                ctx.Send(probe.Pid, "sent?");
            }
            catch (NameNotRegisteredException e)
            {
                ctx.Send(probe.Pid, e.Name);
            }
            return Task.CompletedTask;
        });
        await probe.ExpectNext("nobody");
    }

    [Fact]
    public async Task Call_by_name_reaches_the_registered_server_and_fails_with_noproc_for_an_unknown_name()
    {
        await using var node = TestNode.Start();
        await node.StartAsync<EchoServer>(new SpawnOptions { Name = "echo" });

        Assert.Equal("ping", await node.Call<string>("echo", "ping").AsTask().Within("the call by name"));
        var error = await Assert.ThrowsAsync<CallException>(
            () => node.Call<string>("nobody", "ping", Timeout.InfiniteTimeSpan).AsTask().Within("the call to fail"));
        Assert.Equal(ExitReason.NoProc, error.Reason);
        Assert.Null(error.Target);
    }

    [Fact]
    public async Task Unregister_removes_the_name_and_leaves_the_process_free_to_take_another()
    {
        await using var node = TestNode.Start();
        var pid = SpawnIdle(node);
        node.Register("first", pid);

        Assert.True(node.Unregister("first"));

        Assert.Null(node.Whereis("first"));
        Assert.DoesNotContain("first", node.Registered());
        Assert.Null(node.GetProcessInfo(pid)!.RegisteredName);
        Assert.Throws<NameNotRegisteredException>(() => node.Send("first", "gone"));
        Assert.False(node.Unregister("first"));
        node.Register("second", pid);
        Assert.Equal(pid, node.Whereis("second"));
    }

    [Fact]
    public async Task A_process_holds_at_most_one_name()
    {
        await using var node = TestNode.Start();
        var pid = SpawnIdle(node);
        node.Register("first", pid);

        Assert.Throws<ArgumentException>(() => node.Register("second", pid));

        Assert.Equal(pid, node.Whereis("first"));
        Assert.Null(node.Whereis("second"));
    }

    [Fact]
    public async Task A_name_holds_at_most_one_process()
    {
        await using var node = TestNode.Start();
        var holder = SpawnIdle(node);
        var other = SpawnIdle(node);
        node.Register("taken", holder);

        Assert.Throws<ArgumentException>(() => node.Register("taken", other));

        Assert.Equal(holder, node.Whereis("taken"));
        Assert.Null(node.GetProcessInfo(other)!.RegisteredName);
    }

    [Fact]
    public async Task Only_a_live_process_can_be_registered()
    {
        await using var node = TestNode.Start();
        var dead = await node.DeadProcess();

        Assert.Throws<ArgumentException>(() => node.Register("ghost", dead));
        Assert.Null(node.Whereis("ghost"));
    }

    [Fact]
    public async Task The_name_is_freed_when_its_process_exits_and_can_be_registered_again()
    {
        await using var node = TestNode.Start();
        var first = SpawnIdle(node);
        node.Register("service", first);
        var exited = node.WhenExited(first);

        node.Exit(first, ExitReason.Custom("replaced"));
        await exited.Within("the first holder to exit");

        Assert.Null(node.Whereis("service"));
        Assert.DoesNotContain("service", node.Registered());
        var second = SpawnIdle(node);
        node.Register("service", second);
        Assert.Equal(second, node.Whereis("service"));
    }

    [Fact]
    public async Task SpawnOptions_Name_registers_the_process_as_it_starts()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var function = node.Spawn(ctx => ctx.Receive<Guid>().AsTask(), new SpawnOptions { Name = "function" });
        var spawned = node.Spawn<EchoServer>(new SpawnOptions { Name = "spawned" });
        var started = await node.StartAsync<EchoServer>(new SpawnOptions { Name = "started" });
        node.Spawn(async ctx => ctx.Send(probe.Pid, await ctx.StartLinkAsync<EchoServer>(new SpawnOptions { Name = "linked" })));

        Assert.Equal(function, node.Whereis("function"));
        Assert.Equal(spawned, node.Whereis("spawned"));
        Assert.Equal(started, node.Whereis("started"));
        Assert.Equal(await probe.Expect<Pid>(), node.Whereis("linked"));
    }

    [Fact]
    public async Task A_spawn_with_a_name_that_is_taken_fails_and_starts_nothing()
    {
        await using var node = TestNode.Start();
        var holder = SpawnIdle(node);
        node.Register("taken", holder);
        var before = node.Processes().Count;

        Assert.Throws<ArgumentException>(() => node.Spawn(_ => Task.CompletedTask, new SpawnOptions { Name = "taken" }));
        Assert.Throws<ArgumentException>(() => node.Spawn<EchoServer>(new SpawnOptions { Name = "taken" }));

        Assert.Equal(holder, node.Whereis("taken"));
        Assert.Equal(before, node.Processes().Count);
    }
}
