namespace Takedown.Fingerprints;

/// <summary>The eight symmetries of a rectangle, as the PDQ reference names them.</summary>
public enum Dihedral
{
    Original,
    Rotate90,
    Rotate180,
    Rotate270,
    FlipX,
    FlipY,
    FlipPlus,
    FlipMinus,
}
