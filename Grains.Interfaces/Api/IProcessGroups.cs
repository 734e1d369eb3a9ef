namespace ProcessGrid;

/// <summary>
/// Process groups (Erlang's <c>pg</c>): named groups of processes across the cluster, in scopes. The operations of this
/// interface act on the default scope, <see cref="DefaultScope"/>, which every node runs from start; <see cref="Scope"/>
/// gives the same operations on another scope.
/// </summary>
/// <remarks>
/// <para>A group exists while it has members: it appears when a process first joins and is gone when the last one
/// leaves. A process may join many groups, and the same group many times (it then leaves as many times). Only
/// processes of this node join through it, as in <c>pg</c>; a process that exits leaves all its groups, and the
/// processes of a node that goes down leave on every other node.</para>
/// <para>Membership is eventually consistent: a join is visible on this node when <c>JoinAsync</c> returns, and on the
/// other nodes of the scope shortly after (one message away). Scopes are independent: a scope exchanges membership
/// only with the same scope on the other nodes that run it.</para>
/// </remarks>
/// <example>
/// <code>
/// await grid.Groups.JoinAsync("chat", ctx.Self);
/// foreach (var member in grid.Groups.GetMembers("chat")) { ... }
/// grid.Groups.Broadcast("chat", new Said("hello"));
/// </code>
/// </example>
public interface IProcessGroups : IGroupScope
{
    /// <summary>The name of the scope every node runs from start (Erlang's default scope, <c>pg</c>).</summary>
    const string DefaultScope = "pg";

    /// <summary>The scopes this node runs, the default scope included.</summary>
    IReadOnlyList<string> Scopes { get; }

    /// <summary>The scope <paramref name="name"/> on this node (Erlang's scoped functions, <c>pg:join(Scope, ...)</c>).</summary>
    /// <exception cref="ArgumentException">This node does not run that scope; the message says how to start it.</exception>
    IGroupScope Scope(string name);

    /// <summary>
    /// Starts the scope <paramref name="name"/> on this node (Erlang's <c>pg:start(Scope)</c>), or returns it when it
    /// already runs. It exchanges membership with the same scope on the other nodes that run it. Its process is
    /// registered on this node under the scope's name. Scopes listed in <c>ProcessGrid:Groups:Scopes</c> start with the node.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a valid scope name, or another process holds it as its registered name.</exception>
    IGroupScope StartScope(string name);
}
