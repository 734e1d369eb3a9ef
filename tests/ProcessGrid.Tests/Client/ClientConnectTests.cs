using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProcessGrid.Client;
using ProcessGrid.Client.Hosting;

namespace ProcessGrid.Tests.Client;

/// <summary>
/// A client connects through a gateway, learns the cluster's active nodes and connects to all of them, and is no
/// member: it is in no membership row, in no node's <c>Nodes</c>, never a placement target, and node monitors do not
/// hear of it. A client that cannot connect says what each gateway answered and what to check.
/// </summary>
public sealed class ClientConnectTests
{
    [Fact]
    public async Task A_client_learns_the_active_nodes_from_its_gateway_and_connects_to_each_but_is_no_member()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();
        var nodeEvents = cluster.Nodes.Select(Probe.WatchNodes).ToList();

        await using var client = await TestClients.ConnectAsync(cluster, cluster[1]);

        var names = cluster.Nodes.Select(n => n.Node).OrderBy(n => n.Value, StringComparer.Ordinal).ToList();
        Assert.Equal(cluster[1].Node, client.Gateway);
        Assert.Equal(names, client.Members.Select(m => m.Node));
        Assert.All(client.Members, m => Assert.Equal(MemberStatus.Active, m.Status));
        Assert.Equal(cluster.Nodes.Select(n => n.Endpoint), cluster.Nodes.Select(n => client.Members.Single(m => m.Node == n.Node).Endpoint));
        Assert.Equal(names, client.Nodes);
        foreach (var node in cluster.Nodes)
        {
            Assert.DoesNotContain(client.Node, node.Nodes);
            Assert.DoesNotContain(node.Membership!.View.Entries, e => e.Name == client.Node);
            Assert.DoesNotContain(client.Node, node.Placement.Members);
            Assert.NotNull(node.Distribution!.Transport.Find(client.Node)); // Connected, but not as a node.
        }
        Assert.Equal(names, client.InnerNode.Placement.Members);
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            cluster[i].Send(nodeEvents[i].Pid, "marker"); // A NodeUp for the client would have come before it.
            await nodeEvents[i].ExpectOnly("marker");
        }
    }

    [Fact]
    public async Task A_client_sees_nodes_join_and_leave_through_its_gateway()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);
        var events = Probe.WatchNodes(client);

        var joined = await cluster.AddNodeAsync();

        Assert.Equal(new NodeUp(joined.Node), await events.Expect<NodeUp>());
        await TestNode.Eventually(() => client.Members.Any(m => m.Node == joined.Node && m.Status == MemberStatus.Active), "the client to see the new node active");
        Assert.Contains(joined.Node, client.Nodes);
        Assert.True(await client.PingAsync(joined.Node));

        await cluster[1].StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new NodeDown(cluster[1].Node, NodeDownReason.Left), await events.Expect<NodeDown>());
        await TestNode.Eventually(() => client.Members.All(m => m.Node != cluster[1].Node), "the client to see the node gone");
        Assert.DoesNotContain(cluster[1].Node, client.Nodes);
        Assert.DoesNotContain(cluster[1].Node, client.InnerNode.Placement.Members);
        Assert.Equal(cluster[0].Node, client.Gateway);
    }

    [Fact]
    public async Task A_wrong_cookie_fails_at_once_and_says_to_check_the_cookie()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var options = TestClients.OptionsFor(cluster);
        options.Cookie = "not-the-cookie";
        options.MaxConnectAttemptTime = TimeSpan.FromMinutes(5); // A refusal is an answer: no waiting for this.

        var error = await Assert.ThrowsAsync<GridConnectException>(() => TestClients.ConnectAsync(cluster, options)).Within("the connection to fail");

        Assert.Contains(cluster[0].Endpoint!, error.Message);
        Assert.Contains("did not prove the cluster cookie", error.Message);
        Assert.Contains("ProcessGrid:Client:Cookie", error.Message);
        Assert.Contains(cluster[0].Endpoint!, error.Failures.Keys);
        Assert.Empty(cluster[0].Distribution!.Transport.Connections);
    }

    [Fact]
    public async Task A_wrong_cluster_id_fails_at_once_and_names_both_clusters()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var options = TestClients.OptionsFor(cluster);
        options.ClusterId = "another-cluster";
        options.MaxConnectAttemptTime = TimeSpan.FromMinutes(5);

        var error = await Assert.ThrowsAsync<GridConnectException>(() => TestClients.ConnectAsync(cluster, options)).Within("the connection to fail");

        Assert.Contains($"belongs to cluster '{cluster.ClusterId}', not 'another-cluster'", error.Message);
        Assert.Contains("ProcessGrid:Client:ClusterId (now 'another-cluster')", error.Message);
        Assert.Equal("another-cluster", error.ClusterId);
    }

    [Fact]
    public async Task No_reachable_gateway_fails_after_the_attempt_time_and_says_what_each_address_answered()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var closedPort = ClosedPort();
        var options = TestClients.OptionsFor(cluster);
        options.Gateways.Clear();
        options.Gateways.Add($"127.0.0.1:{closedPort}");
        options.MaxConnectAttemptTime = TimeSpan.FromMilliseconds(500);

        var error = await Assert.ThrowsAsync<GridConnectException>(() => TestClients.ConnectAsync(cluster, options)).Within("the connection to fail");

        Assert.Contains($"127.0.0.1:{closedPort}", error.Message);
        Assert.Contains("did not answer within 00:00:00.5", error.Message);
        Assert.Contains("ProcessGrid:Client:Gateways", error.Message);
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_is_passed_over_for_one_that_does()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var options = TestClients.OptionsFor(cluster);
        options.Gateways.Clear();
        options.Gateways.Add($"127.0.0.1:{ClosedPort()},{cluster[1].Endpoint}");

        await using var client = await TestClients.ConnectAsync(cluster, options);

        Assert.Equal(cluster[1].Node, client.Gateway);
        Assert.Equal(2, client.Nodes.Count);
    }

    [Fact]
    public async Task A_client_named_like_a_member_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var options = TestClients.OptionsFor(cluster);
        options.Name = cluster[0].Node.Value;

        var error = await Assert.ThrowsAsync<GridConnectException>(() => TestClients.ConnectAsync(cluster, options)).Within("the connection to fail");

        Assert.Contains("is the name of a member node; a client needs a name of its own", error.Message);
    }

    [Fact]
    public void Bad_settings_are_refused_with_the_setting_named()
    {
        var none = new GridClientOptions();
        Assert.Contains("ProcessGrid:Client:Gateways is empty", Assert.Throws<ArgumentException>(none.Validate).Message);

        var badAddress = new GridClientOptions();
        badAddress.Gateways.Add("localhost");
        Assert.Contains("'localhost' is not an address", Assert.Throws<ArgumentException>(badAddress.Validate).Message);

        var badName = new GridClientOptions { Name = "no-at-sign" };
        badName.Gateways.Add("127.0.0.1:4370");
        Assert.Contains("ProcessGrid:Client:Name", Assert.Throws<ArgumentException>(badName.Validate).Message);

        var badTimeout = new GridClientOptions { MaxConnectAttemptTime = TimeSpan.Zero };
        badTimeout.Gateways.Add("127.0.0.1:4370");
        Assert.Contains("ProcessGrid:Client:MaxConnectAttemptTime", Assert.Throws<ArgumentException>(badTimeout.Validate).Message);
    }

    [Fact]
    public void The_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ProcessGrid:Client:Gateways:0"] = "10.0.0.1:4370,10.0.0.2:4370",
            ["ProcessGrid:Client:Gateways:1"] = "10.0.0.3:4370",
            ["ProcessGrid:Client:ClusterId"] = "orders",
            ["ProcessGrid:Client:Cookie"] = "secret",
            ["ProcessGrid:Client:Name"] = "reports@app1",
            ["ProcessGrid:Client:DefaultCallTimeout"] = "00:00:02",
            ["ProcessGrid:Client:Transport:ConnectTimeout"] = "00:00:03",
        }).Build();
        var options = new GridClientOptions();

        configuration.GetSection(GridClientOptions.SectionName).Bind(options);

        options.Validate();
        Assert.Equal(["10.0.0.1:4370", "10.0.0.2:4370", "10.0.0.3:4370"], options.GatewayEndpoints);
        Assert.Equal("orders", options.ClusterId);
        Assert.Equal("secret", options.Cookie);
        Assert.Equal("reports@app1", options.Name);
        Assert.Equal(TimeSpan.FromSeconds(2), options.DefaultCallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Transport.ConnectTimeout);
    }

    [Fact]
    public async Task A_host_connects_a_client_bound_from_configuration_when_it_starts_and_closes_it_when_it_stops()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ProcessGrid:Client:Gateways:0"] = cluster[0].Endpoint,
            ["ProcessGrid:Client:ClusterId"] = cluster.ClusterId,
            ["ProcessGrid:Client:Cookie"] = cluster.Cookie,
            ["ProcessGrid:Client:Name"] = "hosted@localhost",
        });
        builder.Services.AddGridClient(configuration: builder.Configuration);
        using var host = builder.Build();
        Assert.Contains("after the host has started", Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<GridClient>()).Message);

        await host.StartAsync(TestContext.Current.CancellationToken);

        var client = host.Services.GetRequiredService<GridClient>();
        Assert.Same(client, host.Services.GetRequiredService<IProcessGrid>());
        Assert.Equal(NodeName.Parse("hosted@localhost"), client.Node);
        Assert.Equal(cluster[0].Node, client.Gateway);
        await host.StopAsync(TestContext.Current.CancellationToken);
        await TestNode.Eventually(() => cluster[0].Distribution!.Transport.Find(client.Node) is null, "the node to see the client's connection closed");
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
