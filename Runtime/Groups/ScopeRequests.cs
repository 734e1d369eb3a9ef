namespace ProcessGrid.Runtime.Groups;

// What the API asks of the scope process on its node, as calls. They never cross nodes (a process joins through its
// own node, as in pg), so they carry live pid objects; the API has checked them before sending.

/// <summary>Join <see cref="Pids"/> (processes of this node) to <see cref="Group"/>; the reply is null.</summary>
internal sealed record JoinRequest(string Group, Pid[] Pids);

/// <summary>Remove one membership in <see cref="Group"/> per pid of <see cref="Pids"/>; the reply is whether any was removed.</summary>
internal sealed record LeaveRequest(string Group, Pid[] Pids);

/// <summary>Subscribe <see cref="Subscriber"/> to every change of the scope; the reply is a <see cref="ScopeMonitor"/>.</summary>
internal sealed record MonitorScopeRequest(Pid Subscriber);

/// <summary>Subscribe <see cref="Subscriber"/> to the changes of <see cref="Group"/>; the reply is a <see cref="GroupMonitor"/>.</summary>
internal sealed record MonitorGroupRequest(Pid Subscriber, string Group);

/// <summary>End the subscription <see cref="Ref"/>; the reply is whether it existed.</summary>
internal sealed record DemonitorRequest(MonitorRef Ref);
