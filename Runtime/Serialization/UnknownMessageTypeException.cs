namespace ProcessGrid.Runtime.Serialization;

/// <summary>A message arrived whose type this node cannot load (the sender runs code this node does not have).</summary>
internal sealed class UnknownMessageTypeException(string typeName)
    : Exception($"unknown message type {typeName}: this node cannot load it (deploy the assembly that defines it on this node)")
{
    /// <summary>The wire name of the type.</summary>
    public string TypeName { get; } = typeName;
}
