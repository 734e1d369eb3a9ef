using System.Buffers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Groups;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Groups;

/// <summary>
/// Scopes (Erlang's pg scopes): the default one runs everywhere; others start by configuration or on request; each
/// exchanges membership only with itself on other nodes; a scope's process that crashes starts again, empty.
/// </summary>
public sealed class GroupScopeTests
{
    [Fact]
    public async Task Scopes_listed_in_the_options_start_with_the_node()
    {
        await using var node = TestNode.Start(o => o.Groups.Scopes.Add("chat"));

        Assert.Equal(["chat", "pg"], node.Groups.Scopes);
        Assert.Equal("chat", node.Groups.Scope("chat").Name);
        Assert.NotNull(node.Whereis("chat"));
    }

    [Fact]
    public void Scopes_bind_from_configuration_and_a_bad_name_stops_the_node_with_the_setting_named()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ProcessGrid:Groups:Scopes:0"] = "chat",
            ["ProcessGrid:Groups:Scopes:1"] = "two words",
        }).Build();
        var options = new ServiceCollection().AddProcessGrid(configuration: configuration).BuildServiceProvider()
            .GetRequiredService<IOptions<ProcessGridOptions>>().Value;

        Assert.Equal(["chat", "two words"], options.Groups.Scopes);
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("ProcessGrid:Groups:Scopes:1", error.Message);
    }

    [Fact]
    public async Task A_scope_started_on_request_works_and_starting_it_again_returns_the_same_scope()
    {
        await using var node = TestNode.Start();
        var pid = LocalGroupTests.Member(node);

        var chat = node.Groups.StartScope("chat");
        await chat.JoinAsync("room", pid);

        Assert.Same(chat, node.Groups.StartScope("chat"));
        Assert.Same(chat, node.Groups.Scope("chat"));
        Assert.Equal([pid], chat.GetMembers("room"));
        Assert.Empty(node.Groups.GetMembers("room")); // The default scope is another scope.
    }

    [Fact]
    public async Task An_unknown_scope_a_bad_scope_name_or_a_taken_name_is_refused_with_what_to_do()
    {
        await using var node = TestNode.Start();
        node.Register("taken", LocalGroupTests.Member(node));

        var unknown = Assert.Throws<ArgumentException>(() => node.Groups.Scope("nope"));
        Assert.Contains("StartScope(\"nope\")", unknown.Message);
        Assert.Contains("ProcessGrid:Groups:Scopes", unknown.Message);
        Assert.Contains("cannot be empty", Assert.Throws<ArgumentException>(() => node.Groups.StartScope("")).Message);
        Assert.Throws<ArgumentException>(() => node.Groups.StartScope("a b"));
        var taken = Assert.Throws<ArgumentException>(() => node.Groups.StartScope("taken"));
        Assert.Contains("already holds the name 'taken'", taken.Message);
        Assert.Equal(["pg"], node.Groups.Scopes);
    }

    [Fact]
    public async Task A_scope_exchanges_membership_only_with_the_nodes_that_run_it()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        var chatA = a.Groups.StartScope("chat");
        var chatB = b.Groups.StartScope("chat");
        var onA = LocalGroupTests.Member(a);
        var onB = LocalGroupTests.Member(b);

        await chatA.JoinAsync("room", onA);
        await chatB.JoinAsync("room", onB);
        await b.Groups.JoinAsync("room", onB);

        await ClusterGroupTests.Sees(a, "room", [onA, onB], chatA);
        await ClusterGroupTests.Sees(b, "room", [onA, onB], chatB);
        await ClusterGroupTests.Sees(a, "room", [onB]); // The default scope has its own members...
        await ClusterGroupTests.Sees(c, "room", [onB]);
        Assert.Throws<ArgumentException>(() => c.Groups.Scope("chat")); // ...and c, which does not run chat, knows none of chat's.

        // A node that starts the scope later discovers the others and learns what they have.
        var chatC = c.Groups.StartScope("chat");
        await ClusterGroupTests.Sees(c, "room", [onA, onB], chatC);
    }

    [Fact]
    public async Task A_scope_process_that_crashes_starts_again_empty_and_the_other_nodes_drop_its_members()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var member = LocalGroupTests.Member(a);
        await a.Groups.JoinAsync("g", member);
        await ClusterGroupTests.Sees(b, "g", [member]);
        var scope = a.Whereis("pg")!;

        a.Exit(scope, ExitReason.Kill);

        await TestNode.Eventually(() => a.Whereis("pg") is { } restarted && restarted != scope, "the scope's process to start again");
        Assert.Empty(a.Groups.GetMembers("g")); // Its memberships ended with it, as in Erlang.
        await ClusterGroupTests.Sees(b, "g", []);
        await a.Groups.JoinAsync("g", member);
        await ClusterGroupTests.Sees(b, "g", [member]);
        Assert.Contains(cluster.Log.Lines, line => line.Contains("Process-group scope pg crashed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_a_stopped_node_scope_operations_fail_with_an_error_that_says_so()
    {
        var node = TestNode.Start();
        var groups = node.Groups;
        await node.StopAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => groups.JoinAsync("g", Pid.ForSpawned(node.Node, node.Creation, 99)).AsTask());
        Assert.Contains("is not running", error.Message);
        Assert.Empty(groups.GetMembers("g"));
        Assert.Equal(0, node.DeadLetters.Count);
    }

    [Fact]
    public async Task A_protocol_message_that_claims_a_scope_process_of_another_node_than_its_sender_is_ignored()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster[0];
        var serializer = new MessageSerializer(node);
        var impostor = Pid.ForSpawned(NodeName.Parse("elsewhere@localhost"), 1, 2);
        var frame = FrameBuilder.Start(FrameKind.GroupProtocol);
        frame.WriteString("pg");
        WireFormat.WritePid(frame, null);
        WireFormat.WriteMessage(frame, serializer, new ScopeSync(impostor, [new GroupMembers("g", [5])], More: false));

        var reader = new FrameReader(new ReadOnlySequence<byte>(frame.Payload));
        ScopeProtocolFrame.Receive(node, serializer, ref reader, NodeName.Parse("sender@localhost"));
        frame.Release();

        await cluster.Log.WaitFor("is not a message of a scope process of that node");
        await node.Groups.JoinAsync("other", LocalGroupTests.Member(node)); // The scope has handled all it was sent.
        Assert.Empty(node.Groups.GetMembers("g"));
    }
}
