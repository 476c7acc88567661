using System.Globalization;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>
/// The rows behind <see cref="BankMatcher"/>: 64 bytes per banked hash, so ten million fit next to the PDQ index.
/// A row is an entry (bank, signal, value, content, label, source, version) or a removal mark (the latest
/// HashRemoved version of a bank, signal and value). Rows are numbered densely; the number is the entry's id in the
/// PDQ and text indexes, and a freed number is reused. Strings are held once in a table and rows refer to them;
/// a lower-case hex value of 64 or 32 digits (PDQ, vPDQ, SHA-256, MD5) is kept as its bits, any other (a URL, a
/// text fingerprint) as its string. Rows with the same signal and value are found through one chained hash table.
/// Not thread-safe; <see cref="BankMatcher"/> calls it under its lock.
/// </summary>
internal sealed class BankEntryTable
{
    private const int PageBits = 16;   // 65,536 rows of 64 bytes: 4 MiB a page, allocated as needed, never copied
    private const int PageSize = 1 << PageBits;
    private const int MaxLoad = 2;     // rows per bucket before the buckets double: 2-4 bytes of buckets per row

    private Row[][] _pages = [];
    private int _allocated;
    private int _free = -1;
    private int[] _buckets = NewBuckets(1024);
    private int _rows;

    private readonly List<string> _strings = [];
    private readonly Dictionary<string, int> _stringIds = new(StringComparer.Ordinal);
    private readonly List<Guid> _contents = [];
    private readonly Dictionary<Guid, int> _contentIds = [];
    private readonly Dictionary<int, string> _otherValues = [];

    /// <summary>The value of a row: the bits of lower-case hex, or else the string itself.</summary>
    public readonly struct Value
    {
        private readonly ulong _w0, _w1, _w2, _w3;
        private readonly string? _other;
        private readonly byte _form;

        private Value(byte form, ulong w0, ulong w1, ulong w2, ulong w3, string? other) =>
            (_form, _w0, _w1, _w2, _w3, _other) = (form, w0, w1, w2, w3, other);

        public static Value Of(string value)
        {
            var form = value.Length switch { 64 => Form.Hex64, 32 => Form.Hex32, _ => Form.Other };
            if (form != Form.Other && !IsLowerHex(value))
                form = Form.Other;
            return form switch
            {
                Form.Hex64 => new Value(form, Word(value, 0), Word(value, 1), Word(value, 2), Word(value, 3), null),
                Form.Hex32 => new Value(form, Word(value, 0), Word(value, 1), 0, 0, null),
                _ => new Value(form, 0, 0, 0, 0, value),
            };
        }

        internal int HashWith(int signal) => _form == Form.Other
            ? HashCode.Combine(signal, _form, _other!.GetHashCode(StringComparison.Ordinal))
            : HashCode.Combine(signal, _form, _w0, _w1, _w2, _w3);

        internal bool Matches(in Row row, BankEntryTable table, int id) =>
            row.Form == _form && (_form == Form.Other
                ? string.Equals(table._otherValues[id], _other, StringComparison.Ordinal)
                : row.W0 == _w0 && row.W1 == _w1 && row.W2 == _w2 && row.W3 == _w3);

        internal void Store(ref Row row, BankEntryTable table, int id)
        {
            (row.W0, row.W1, row.W2, row.W3) = (_w0, _w1, _w2, _w3);
            row.Form = _form;
            if (_form == Form.Other)
                table._otherValues[id] = _other!;
        }

        private static ulong Word(string hex, int i) =>
            ulong.Parse(hex.AsSpan(16 * i, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

        private static bool IsLowerHex(string value)
        {
            foreach (var c in value)
            {
                if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f'))
                    return false;
            }
            return true;
        }
    }

    private static class Form
    {
        public const byte Free = 0, Hex64 = 1, Hex32 = 2, Other = 3;
    }

    /// <summary>One row: 64 bytes.</summary>
    internal struct Row
    {
        public ulong W0, W1, W2, W3;
        public long Version;
        public int Next;        // the next row in the same bucket, or in the free list
        public int Content;     // 1 + the index in _contents; 0 for none
        public int Bank, Label, Source;
        public int SignalAndKind;

        public readonly int Signal => SignalAndKind >> 3;
        public readonly bool IsRemoval => (SignalAndKind & 4) != 0;
        public byte Form
        {
            readonly get => (byte)(SignalAndKind & 3);
            set => SignalAndKind = (SignalAndKind & ~3) | value;
        }
    }

    /// <summary>Live entries, not counting removal marks.</summary>
    public int Count { get; private set; }

    public ref Row this[int id] => ref _pages[id >> PageBits][id & (PageSize - 1)];

    public string String(int id) => _strings[id];

    public int Intern(string s)
    {
        if (_stringIds.TryGetValue(s, out var id))
            return id;
        _strings.Add(s);
        return _stringIds[s] = _strings.Count - 1;
    }

    /// <summary>The id of a string already held, or -1: nothing can match a string never interned.</summary>
    public int Find(string s) => _stringIds.TryGetValue(s, out var id) ? id : -1;

    /// <summary>The content id behind a row's <see cref="Row.Content"/> number.</summary>
    public Guid? Content(int number) => number == 0 ? null : _contents[number - 1];

    /// <summary>The content's number as rows hold it: 0 for none, -1 for one no row holds.</summary>
    public int FindContent(Guid? content) => content is not { } id ? 0 : _contentIds.TryGetValue(id, out var n) ? n : -1;

    public string ValueOf(int id)
    {
        ref var row = ref this[id];
        return row.Form switch
        {
            Form.Hex64 => string.Create(64, (row.W0, row.W1, row.W2, row.W3), static (chars, w) =>
            {
                Hex(chars[..16], w.Item1);
                Hex(chars[16..32], w.Item2);
                Hex(chars[32..48], w.Item3);
                Hex(chars[48..], w.Item4);
            }),
            Form.Hex32 => string.Create(32, (row.W0, row.W1), static (chars, w) =>
            {
                Hex(chars[..16], w.Item1);
                Hex(chars[16..], w.Item2);
            }),
            _ => _otherValues[id],
        };

        static void Hex(Span<char> chars, ulong word) => word.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Rows with this signal and value (entries and removal marks, of every bank), in no particular order.</summary>
    public RowsWithKey WithKey(int signal, in Value value) => new(this, signal, value);

    public ref struct RowsWithKey(BankEntryTable table, int signal, Value value)
    {
        private int _next = signal < 0 ? -1 : table._buckets[Bucket(value.HashWith(signal), table._buckets.Length)];

        public int Current { get; private set; }

        public readonly RowsWithKey GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_next >= 0)
            {
                var id = _next;
                ref var row = ref table[id];
                _next = row.Next;
                if (row.Signal == signal && value.Matches(row, table, id))
                {
                    Current = id;
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>A new entry (or, with <paramref name="removal"/>, a removal mark, which has no content, label or source).</summary>
    public int Insert(int bank, int signal, in Value value, Guid? content, string label, string source, long version, bool removal)
    {
        if (_rows + 1 > MaxLoad * _buckets.Length)
            Rehash(2 * _buckets.Length);
        _rows++;
        var id = _free >= 0 ? _free : Allocate();
        ref var row = ref this[id];
        if (id == _free)
            _free = row.Next;
        row = default;
        row.SignalAndKind = signal << 3 | (removal ? 4 : 0);
        value.Store(ref row, this, id);
        row.Bank = bank;
        row.Version = version;
        if (!removal)
        {
            row.Content = content is { } c ? InternContent(c) : 0;
            row.Label = Intern(label);
            row.Source = Intern(source);
            Count++;
        }
        var bucket = Bucket(value.HashWith(signal), _buckets.Length);
        row.Next = _buckets[bucket];
        _buckets[bucket] = id;
        return id;
    }

    /// <summary>Takes the row out; its number is handed out again by a later <see cref="Insert"/>.</summary>
    public void Delete(int id)
    {
        ref var row = ref this[id];
        var bucket = Bucket(HashOf(id), _buckets.Length);
        if (_buckets[bucket] == id)
            _buckets[bucket] = row.Next;
        else
        {
            var previous = _buckets[bucket];
            while (this[previous].Next != id)
                previous = this[previous].Next;
            this[previous].Next = row.Next;
        }
        if (!row.IsRemoval)
            Count--;
        if (row.Form == Form.Other)
            _otherValues.Remove(id);
        row = default;
        row.Next = _free;
        _free = id;
        _rows--;
    }

    private int Allocate()
    {
        var id = _allocated++;
        if ((id & (PageSize - 1)) == 0)
        {
            var page = id >> PageBits;
            if (page == _pages.Length)
                Array.Resize(ref _pages, Math.Max(4, 2 * _pages.Length));
            _pages[page] = new Row[PageSize];
        }
        return id;
    }

    // Like strings, a content id stays once interned: a removed content's few hashes share it, and removals are rare.
    private int InternContent(Guid content)
    {
        if (_contentIds.TryGetValue(content, out var n))
            return n;
        _contents.Add(content);
        return _contentIds[content] = _contents.Count;
    }

    private int HashOf(int id)
    {
        ref var row = ref this[id];
        return row.Form == Form.Other
            ? HashCode.Combine(row.Signal, row.Form, _otherValues[id].GetHashCode(StringComparison.Ordinal))
            : HashCode.Combine(row.Signal, row.Form, row.W0, row.W1, row.W2, row.W3);
    }

    private void Rehash(int buckets)
    {
        _buckets = NewBuckets(buckets);
        for (var id = 0; id < _allocated; id++)
        {
            ref var row = ref this[id];
            if (row.Form == Form.Free)
                continue;
            var bucket = Bucket(HashOf(id), buckets);
            row.Next = _buckets[bucket];
            _buckets[bucket] = id;
        }
    }

    private static int Bucket(int hash, int buckets) => (int)((uint)hash & (uint)(buckets - 1));

    private static int[] NewBuckets(int count)
    {
        var buckets = new int[count];
        Array.Fill(buckets, -1);
        return buckets;
    }
}
