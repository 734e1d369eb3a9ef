namespace ProcessGrid.Tests.Groups;

/// <summary>
/// Erlang's <c>pg</c> on one node: join and leave (one pid or many; a pid joins as many times as it leaves), members,
/// local members, which groups, members that exit, and clear errors for what cannot join.
/// </summary>
public sealed class LocalGroupTests
{
    /// <summary>A process that waits until it is told to stop.</summary>
    internal static Pid Member(IProcessGrid grid) => grid.Spawn(async ctx => await ctx.Receive<string>(s => s == "stop"));

    [Fact]
    public async Task A_joined_process_is_a_member_and_a_local_member_as_soon_as_join_returns()
    {
        await using var node = TestNode.Start();
        var pid = Member(node);

        await node.Groups.JoinAsync("workers", pid);

        Assert.Equal([pid], node.Groups.GetMembers("workers"));
        Assert.Equal([pid], node.Groups.GetLocalMembers("workers"));
        Assert.Equal(["workers"], node.Groups.WhichGroups());
        Assert.Equal(["workers"], node.Groups.WhichLocalGroups());
        Assert.Empty(node.Groups.GetMembers("idlers"));
    }

    [Fact]
    public async Task Many_pids_join_and_leave_in_one_call()
    {
        await using var node = TestNode.Start();
        var pids = Enumerable.Range(0, 5).Select(_ => Member(node)).ToList();

        await node.Groups.JoinAsync("workers", pids);
        Assert.Equal(pids.OrderBy(p => p.Id), node.Groups.GetMembers("workers").OrderBy(p => p.Id));

        Assert.True(await node.Groups.LeaveAsync("workers", pids.Take(3)));
        Assert.Equal(pids.Skip(3).OrderBy(p => p.Id), node.Groups.GetMembers("workers").OrderBy(p => p.Id));
    }

    [Fact]
    public async Task A_pid_that_joins_twice_is_a_member_twice_and_must_leave_twice()
    {
        await using var node = TestNode.Start();
        var pid = Member(node);

        await node.Groups.JoinAsync("workers", pid);
        await node.Groups.JoinAsync("workers", [pid]);
        Assert.Equal([pid, pid], node.Groups.GetMembers("workers"));

        Assert.True(await node.Groups.LeaveAsync("workers", pid));
        Assert.Equal([pid], node.Groups.GetMembers("workers"));
        Assert.True(await node.Groups.LeaveAsync("workers", pid));
        Assert.Empty(node.Groups.GetMembers("workers"));
        Assert.Empty(node.Groups.WhichGroups()); // An empty group is no group.
        Assert.False(await node.Groups.LeaveAsync("workers", pid));
    }

    [Fact]
    public async Task Leave_is_false_when_none_of_the_pids_was_a_member_and_true_when_any_was()
    {
        await using var node = TestNode.Start();
        var (member, stranger) = (Member(node), Member(node));
        await node.Groups.JoinAsync("workers", member);

        Assert.False(await node.Groups.LeaveAsync("workers", stranger));
        Assert.False(await node.Groups.LeaveAsync("others", member));
        Assert.True(await node.Groups.LeaveAsync("workers", [stranger, member]));
        Assert.Empty(node.Groups.GetMembers("workers"));
    }

    [Fact]
    public async Task A_member_that_exits_leaves_every_group_it_joined_however_many_times()
    {
        await using var node = TestNode.Start();
        var (pid, other) = (Member(node), Member(node));
        await node.Groups.JoinAsync("a", [pid, pid, other]);
        await node.Groups.JoinAsync("b", pid);

        node.Send(pid, "stop");

        await TestNode.Eventually(() => node.Groups.WhichGroups().SequenceEqual(["a"]), "the exited member to leave its groups");
        Assert.Equal([other], node.Groups.GetMembers("a"));
    }

    [Fact]
    public async Task A_process_that_has_already_exited_leaves_again_at_once()
    {
        await using var node = TestNode.Start();
        var dead = await node.DeadProcess();

        await node.Groups.JoinAsync("workers", dead);

        await TestNode.Eventually(() => node.Groups.GetMembers("workers").Count == 0, "the dead process to leave");
    }

    [Fact]
    public async Task A_member_can_rejoin_after_leaving_and_still_leaves_when_it_exits()
    {
        await using var node = TestNode.Start();
        var pid = Member(node);
        await node.Groups.JoinAsync("workers", pid);
        Assert.True(await node.Groups.LeaveAsync("workers", pid));
        await node.Groups.JoinAsync("workers", pid);

        node.Send(pid, "stop");

        await TestNode.Eventually(() => node.Groups.GetMembers("workers").Count == 0, "the rejoined member to leave when it exits");
    }

    [Fact]
    public async Task A_process_joins_from_inside_itself_and_reads_its_groups()
    {
        await using var node = TestNode.Start();
        var seen = new TaskCompletionSource<IReadOnlyList<Pid>>();

        var pid = node.Spawn(async ctx =>
        {
            await ctx.Grid.Groups.JoinAsync("self-made", ctx.Self);
            seen.SetResult(ctx.Grid.Groups.GetLocalMembers("self-made"));
            await ctx.Receive<string>();
        });

        Assert.Equal([pid], await seen.Task.Within("the process to join and read"));
    }

    [Fact]
    public async Task Reads_are_snapshots_that_later_changes_do_not_alter()
    {
        await using var node = TestNode.Start();
        var (first, second) = (Member(node), Member(node));
        await node.Groups.JoinAsync("workers", first);
        var before = node.Groups.GetMembers("workers");

        await node.Groups.JoinAsync("workers", second);

        Assert.Equal([first], before);
        Assert.Equal(2, node.Groups.GetMembers("workers").Count);
    }

    [Fact]
    public async Task Concurrent_joins_from_many_callers_all_count()
    {
        await using var node = TestNode.Start();
        var pids = Enumerable.Range(0, 2000).Select(_ => Member(node)).ToList();

        await Task.WhenAll(pids.Select(pid => node.Groups.JoinAsync("crowd", pid).AsTask()));

        Assert.Equal(2000, node.Groups.GetMembers("crowd").Count);
        Assert.Equal(pids.ToHashSet(), node.Groups.GetLocalMembers("crowd").ToHashSet());
    }

    [Fact]
    public async Task A_process_of_another_node_a_virtual_process_or_an_earlier_run_cannot_join_here_and_the_error_says_why()
    {
        await using var node = TestNode.Start();
        var member = Member(node);
        var remote = Pid.ForSpawned(NodeName.Parse("elsewhere@localhost"), 1, 7);
        var earlier = Pid.ForSpawned(node.Node, node.Creation - 1, 7);
        var @virtual = Pid.ForVirtual("counter", "alice");

        var notLocal = await Assert.ThrowsAsync<ArgumentException>(() => node.Groups.JoinAsync("g", remote).AsTask());
        Assert.Contains("elsewhere@localhost", notLocal.Message);
        Assert.Contains("its own node", notLocal.Message);
        var notCurrent = await Assert.ThrowsAsync<ArgumentException>(() => node.Groups.JoinAsync("g", earlier).AsTask());
        Assert.Contains("earlier run", notCurrent.Message);
        var notSpawned = await Assert.ThrowsAsync<ArgumentException>(() => node.Groups.JoinAsync("g", @virtual).AsTask());
        Assert.Contains("virtual process", notSpawned.Message);
        // One bad pid in a list: none joins.
        await Assert.ThrowsAsync<ArgumentException>(() => node.Groups.JoinAsync("g", [member, remote]).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => node.Groups.LeaveAsync("g", remote).AsTask());
        Assert.Empty(node.Groups.WhichGroups());
    }

    [Fact]
    public async Task A_group_name_must_not_be_null_or_empty()
    {
        await using var node = TestNode.Start();
        var pid = Member(node);

        await Assert.ThrowsAsync<ArgumentNullException>(() => node.Groups.JoinAsync(null!, pid).AsTask());
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => node.Groups.JoinAsync("", pid).AsTask());
        Assert.Contains("cannot be empty", empty.Message);
        Assert.Throws<ArgumentException>(() => node.Groups.GetMembers(""));
        Assert.Throws<ArgumentException>(() => node.Groups.Broadcast("", "hello"));
    }

    [Fact]
    public async Task The_default_scope_is_pg_and_its_process_is_registered_under_that_name()
    {
        await using var node = TestNode.Start();

        Assert.Equal("pg", node.Groups.Name);
        Assert.Equal(["pg"], node.Groups.Scopes);
        Assert.NotNull(node.Whereis("pg"));
    }
}
