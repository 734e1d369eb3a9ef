namespace ProcessGrid;

/// <summary>
/// A call as a process that is not a <see cref="GenServer"/> receives it: the request and where to reply
/// (Erlang's <c>{'$gen_call', From, Request}</c>). Answer with <see cref="IProcessContext.Reply"/>.
/// </summary>
/// <param name="Request">What the caller asked.</param>
/// <param name="From">Where the reply goes.</param>
public sealed record CallRequest(object Request, CallFrom From);
