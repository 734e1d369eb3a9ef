namespace ProcessGrid.Runtime.Membership;

/// <summary>One node's vote that another is dead, and when it was cast.</summary>
/// <param name="Voter">The voting node.</param>
/// <param name="VoterCreation">The voting node's creation.</param>
/// <param name="At">When the vote was cast (the voter's clock).</param>
internal sealed record SuspectVote(NodeName Voter, long VoterCreation, DateTimeOffset At);
