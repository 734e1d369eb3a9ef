using System.Buffers;
using ProcessGrid.Runtime.Groups;
using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Groups;

/// <summary>
/// <c>Broadcast</c>: one message to every member of a group, local and remote, once per process however many times it
/// joined, in order with the sender's other messages; what cannot be delivered is a dead letter, never lost silently.
/// </summary>
public sealed class GroupBroadcastTests
{
    public sealed record News(int N);

    public sealed record Direct(int N);

    [Fact]
    public async Task A_broadcast_reaches_every_member_on_every_node_once()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        var onA = Probe.Spawn(a);
        var onB = Enumerable.Range(0, 3).Select(_ => Probe.Spawn(b)).ToList();
        var onC = Probe.Spawn(c);
        var bystander = Probe.Spawn(b);
        await a.Groups.JoinAsync("news", [onA.Pid, onA.Pid]);
        await b.Groups.JoinAsync("news", onB.Select(p => p.Pid));
        await c.Groups.JoinAsync("news", onC.Pid);
        await ClusterGroupTests.Sees(a, "news", [onA.Pid, onA.Pid, .. onB.Select(p => p.Pid), onC.Pid]);

        var sent = a.Groups.Broadcast("news", new News(1));

        Assert.Equal(5, sent);
        foreach (var member in (Probe[])[onA, .. onB, onC])
        {
            Assert.Equal(new News(1), await member.Expect<News>());
        }
        // Once each: the member that joined twice got it once; a process that is not a member got nothing.
        a.Send(onA.Pid, "marker");
        await onA.ExpectOnly("marker");
        b.Send(bystander.Pid, "marker");
        await bystander.ExpectOnly("marker");
        Assert.Equal(0, a.DeadLetters.Count + b.DeadLetters.Count + c.DeadLetters.Count);
    }

    [Fact]
    public async Task A_member_gets_a_senders_broadcasts_and_direct_messages_in_send_order()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var member = Probe.Spawn(b);
        await b.Groups.JoinAsync("g", member.Pid);
        await ClusterGroupTests.Sees(a, "g", [member.Pid]);
        var sender = Probe.Spawn(a);

        await sender.Run(ctx =>
        {
            for (var n = 0; n < 100; n++)
            {
                if (n % 2 == 0)
                {
                    ctx.Grid.Groups.Broadcast("g", new News(n));
                }
                else
                {
                    ctx.Send(member.Pid, new Direct(n));
                }
            }
        });

        for (var n = 0; n < 100; n++)
        {
            var message = await member.Expect<object>();
            Assert.Equal(n, message switch { News news => news.N, Direct direct => direct.N, _ => -1 });
        }
    }

    [Fact]
    public async Task A_broadcast_to_a_group_without_members_sends_nothing_and_returns_zero()
    {
        await using var node = TestNode.Start();

        Assert.Equal(0, node.Groups.Broadcast("nobody", new News(1)));
        Assert.Equal(0, node.DeadLetters.Count);
    }

    [Fact]
    public async Task A_message_that_cannot_cross_nodes_is_refused_before_anything_is_sent()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var local = Probe.Spawn(a);
        await a.Groups.JoinAsync("g", local.Pid);
        await b.Groups.JoinAsync("g", LocalGroupTests.Member(b));
        await ClusterGroupTests.Sees(a, "g", [.. a.Groups.GetLocalMembers("g"), .. b.Groups.GetLocalMembers("g")]);

        Assert.Throws<MessageSerializationException>(() => a.Groups.Broadcast("g", new Func<int>(() => 1)));

        a.Send(local.Pid, "marker");
        await local.ExpectOnly("marker"); // The local member did not get it either.
    }

    [Fact]
    public async Task A_message_too_big_for_a_frame_between_nodes_is_refused_before_anything_is_sent()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: o => o.Cluster.Transport.MaxFrameSize = 64 * 1024);
        var (a, b) = (cluster[0], cluster[1]);
        var local = Probe.Spawn(a);
        await a.Groups.JoinAsync("g", local.Pid);
        await b.Groups.JoinAsync("g", LocalGroupTests.Member(b));
        await TestNode.Eventually(() => a.Groups.GetMembers("g").Count == 2, "the remote member to be seen");

        var error = Assert.Throws<MessageSerializationException>(() => a.Groups.Broadcast("g", new string('x', 100_000)));

        Assert.Contains("MaxFrameSize", error.Message);
        a.Send(local.Pid, "marker");
        await local.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_broadcast_that_reaches_a_node_where_the_group_has_no_members_any_more_is_a_dead_letter_there()
    {
        await using var node = TestNode.Start();
        var serializer = new MessageSerializer(node);
        var member = Probe.Spawn(node);
        await node.Groups.JoinAsync("g", member.Pid);
        // What another node sends when its view still has members here: delivered to the members here now...
        Receive(node, serializer, "pg", "g", new News(1));
        Assert.Equal(new News(1), await member.Expect<News>());
        Assert.True(await node.Groups.LeaveAsync("g", member.Pid));

        // ...and, once they have gone, a dead letter that names the group and says why.
        Receive(node, serializer, "pg", "g", new News(2));
        Receive(node, serializer, "no-such-scope", "g", new News(3));

        Assert.Equal(2, node.DeadLetters.Count);
        var (gone, unknown) = (node.DeadLetters.Recent[^2], node.DeadLetters.Recent[^1]);
        Assert.Equal($"{{pg,g}} members on {node.Node}", gone.Target);
        Assert.Contains("no members", gone.Reason);
        Assert.Contains("'no-such-scope' does not run", unknown.Reason);
    }

    private static void Receive(ProcessNode node, MessageSerializer serializer, string scope, string group, object message)
    {
        var frame = GroupBroadcastFrame.Write(serializer, scope, group, message);
        var reader = new FrameReader(new ReadOnlySequence<byte>(frame.Payload));
        GroupBroadcastFrame.Receive(node, serializer, ref reader);
        frame.Release();
    }

    [Fact]
    public async Task Broadcasts_in_another_scope_reach_only_that_scopes_members()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: o => o.Groups.Scopes.Add("chat"));
        var (a, b) = (cluster[0], cluster[1]);
        var inChat = Probe.Spawn(b);
        var inDefault = Probe.Spawn(b);
        await b.Groups.Scope("chat").JoinAsync("room", inChat.Pid);
        await b.Groups.JoinAsync("room", inDefault.Pid);
        await ClusterGroupTests.Sees(a, "room", [inChat.Pid], a.Groups.Scope("chat"));
        await ClusterGroupTests.Sees(a, "room", [inDefault.Pid]);

        Assert.Equal(1, a.Groups.Scope("chat").Broadcast("room", new News(3)));

        Assert.Equal(new News(3), await inChat.Expect<News>());
        b.Send(inDefault.Pid, "marker");
        await inDefault.ExpectOnly("marker");
    }
}
