namespace Takedown.Fingerprints.Media;

/// <summary>The bytes are not an image or video that ffmpeg can decode (or not one of the accepted formats).</summary>
public sealed class UndecodableMediaException(string message) : Exception(message);

/// <summary>The input is over a configured limit (bytes, pixels, frames or decoding time); see <see cref="MediaOptions"/>.</summary>
public sealed class MediaLimitExceededException(string message) : Exception(message);

/// <summary>ffmpeg or ffprobe could not be started: a deployment problem, not the input's fault.</summary>
public sealed class MediaToolUnavailableException(string message, Exception inner) : Exception(message, inner);
