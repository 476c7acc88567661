namespace Takedown.Tests.Banks;

/// <summary>
/// Pairs from tests/Takedown.Fingerprints.Tests/TestData/text-pairs.jsonl: ar1-hashtags-emoji (a repost with an
/// emoji, a prefix and hashtags added) and ar1-same-event (another text about the same attack).
/// </summary>
public static class TextSamples
{
    public const string Statement =
        "أعلنت قيادة العمليات المشتركة اليوم عن إحباط هجوم على نقطة تفتيش في قضاء الطارمية شمال بغداد، وقالت في بيان إن القوات الأمنية اشتبكت مع مجموعة مسلحة وقتلت اثنين منهم، فيما أصيب جندي بجروح طفيفة ونقل إلى المستشفى.";
    public const string StatementReposted =
        "🔴 عاجل | أعلنت قيادة العمليات المشتركة اليوم عن إحباط هجوم على نقطة تفتيش في قضاء الطارمية شمال بغداد، وقالت في بيان إن القوات الأمنية اشتبكت مع مجموعة مسلحة وقتلت اثنين منهم، فيما أصيب جندي بجروح طفيفة ونقل إلى المستشفى. #العراق #بغداد #الطارمية";
    public const string SameEventOtherWords =
        "قالت مصادر أمنية إن مسلحين هاجموا ليلة أمس نقطة للجيش في الطارمية، وإن الاشتباك استمر قرابة ساعة قبل انسحاب المهاجمين باتجاه البساتين، ولم تعلن أي جهة مسؤوليتها عن الهجوم حتى الآن.";
}
