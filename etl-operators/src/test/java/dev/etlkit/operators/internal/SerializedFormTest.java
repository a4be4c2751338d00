package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * {@link SerializedForm} against the serializer it stands for: {@code same} is true exactly when
 * the two values serialize to the same bytes, and {@code write} writes those bytes, on generated
 * pairs of values that are often identical, often one field apart, and cover nulls, -0.0 and NaNs,
 * non-ASCII and long strings, subclass instances and user {@code equals} that lie.
 */
class SerializedFormTest {

  private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

  @Property(tries = 3000)
  void pojo_sameExactlyWhenTheSerializedBytesAreEqual_andWriteWritesThem(@ForAll long seed)
      throws IOException {
    Random random = new Random(seed);
    Wide a = Wide.random(random);
    Wide b = random.nextInt(4) == 0 ? Wide.random(random) : a.mutated(random);

    boolean same = assertSameFormAsSerializer(TypeInformation.of(Wide.class), a, b);

    Statistics.label("same form").collect(same);
    Statistics.label("same form")
        .coverage(
            coverage -> {
              coverage.check(true).percentage(p -> p > 20);
              coverage.check(false).percentage(p -> p > 20);
            });
  }

  @Property(tries = 500)
  void tuplesListsAndArrays_sameExactlyWhenTheSerializedBytesAreEqual(@ForAll long seed)
      throws IOException {
    Random random = new Random(seed);
    Tuple2<String, Long> t = Tuple2.of(pick(random, STRINGS_NOT_NULL), (long) random.nextInt(3));
    Tuple2<String, Long> u = Tuple2.of(pick(random, STRINGS_NOT_NULL), (long) random.nextInt(3));
    assertSameFormAsSerializer(Types.TUPLE(Types.STRING, Types.LONG), t, u);

    List<String> l = strings(random, true);
    List<String> m = random.nextBoolean() ? new LinkedList<>(l) : strings(random, true);
    assertSameFormAsSerializer(Types.LIST(Types.STRING), l, m);

    Long[] x = {(long) random.nextInt(2), random.nextBoolean() ? null : 1L};
    Long[] y = random.nextBoolean() ? x.clone() : new Long[] {0L, null};
    assertSameFormAsSerializer(Types.OBJECT_ARRAY(Types.LONG), x, y);

    double[] d = {pick(random, DOUBLES)};
    double[] e = {pick(random, DOUBLES)};
    assertSameFormAsSerializer(PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO, d, e);

    LocalDateTime when = LocalDateTime.of(2026, 1, 1, 0, 0).plusSeconds(random.nextInt(2));
    LocalDateTime then = LocalDateTime.of(2026, 1, 1, 0, 0).plusSeconds(random.nextInt(2));
    assertSameFormAsSerializer(Types.LOCAL_DATE_TIME, when, then);
  }

  @Test
  void pojos_areComparedByACompiledParts_privateFieldsToo() throws IOException {
    assertThat(SerializedForm.of(TypeInformation.of(Wide.class), CONFIG).isCompiled()).isTrue();
    TypeInformation<Hidden> type = TypeInformation.of(Hidden.class);
    assertThat(type).isInstanceOf(PojoTypeInfo.class);
    SerializedForm<Hidden> form = SerializedForm.of(type, CONFIG);
    assertThat(form.isCompiled()).isTrue();

    assertThat(assertSameFormAsSerializer(type, new Hidden(1, "a"), new Hidden(1, "a"))).isTrue();
    assertThat(assertSameFormAsSerializer(type, new Hidden(1, "a"), new Hidden(2, "a"))).isFalse();
    assertThat(assertSameFormAsSerializer(type, new Hidden(1, "a"), new Hidden(1, "b"))).isFalse();
    assertThat(assertSameFormAsSerializer(type, new Hidden(1, null), new Hidden(1, "a"))).isFalse();
    assertThat(assertSameFormAsSerializer(type, new Hidden(1, null), new Hidden(1, null))).isTrue();
  }

  @Test
  void isStructural_onlyForTypesComparedValueByValue() {
    assertThat(SerializedForm.isStructural(TypeInformation.of(Item.class))).isTrue();
    assertThat(SerializedForm.isStructural(Types.TUPLE(Types.STRING, Types.INSTANT))).isTrue();
    assertThat(SerializedForm.isStructural(Types.LIST(Types.LOCAL_DATE))).isTrue();
    assertThat(SerializedForm.isStructural(Types.PRIMITIVE_ARRAY(Types.BYTE))).isTrue();
    assertThat(SerializedForm.isStructural(Types.LOCAL_TIME)).isTrue();

    assertThat(SerializedForm.isStructural(TypeInformation.of(Wide.class))).isFalse(); // its map
    assertThat(SerializedForm.isStructural(Types.MAP(Types.STRING, Types.INT))).isFalse();
    assertThat(SerializedForm.isStructural(Types.BIG_DEC)).isFalse();
    assertThat(SerializedForm.isStructural(Types.SQL_TIMESTAMP)).isFalse();
    assertThat(SerializedForm.isStructural(Types.ROW(Types.STRING))).isFalse();
    assertThat(SerializedForm.isStructural(subclassOf((PojoTypeInfo<Item>) Types.POJO(Item.class))))
        .as("a subclass of a type information may bring its own serializer, as Avro's does")
        .isFalse();
  }

  /**
   * A running job's type informations are Java-serialized copies of those its step was built with
   * (the operator travels in the job graph): they must get the same form, not fall back to bytes.
   */
  @Test
  void typeInformationCopies_asARunningJobHasThem_areFormedAsTheOriginals() throws Exception {
    List<TypeInformation<?>> structural =
        List.of(
            TypeInformation.of(Item.class),
            Types.TUPLE(Types.STRING, Types.INSTANT),
            Types.LIST(Types.LOCAL_DATE),
            Types.PRIMITIVE_ARRAY(Types.BYTE),
            Types.LOCAL_TIME,
            Types.STRING,
            Types.LONG);
    for (TypeInformation<?> type : structural) {
      TypeInformation<?> copy = InstantiationUtil.clone(type);
      assertThat(copy).isNotSameAs(type).isEqualTo(type);
      assertThat(SerializedForm.isStructural(copy)).as("copy of %s", type).isTrue();
    }
    for (TypeInformation<?> type :
        List.of(TypeInformation.of(Wide.class), Types.BIG_DEC, Types.ROW(Types.STRING))) {
      assertThat(SerializedForm.isStructural(InstantiationUtil.clone(type)))
          .as("copy of %s", type)
          .isFalse();
    }
    TypeInformation<Hidden> hidden = InstantiationUtil.clone(TypeInformation.of(Hidden.class));
    assertThat(SerializedForm.of(hidden, CONFIG).isCompiled()).isTrue();
    assertThat(assertSameFormAsSerializer(hidden, new Hidden(1, "a"), new Hidden(2, "a")))
        .isFalse();
    assertThat(assertSameFormAsSerializer(hidden, new Hidden(1, "a"), new Hidden(1, "a"))).isTrue();
  }

  private static <T> PojoTypeInfo<T> subclassOf(PojoTypeInfo<T> pojo) {
    List<PojoField> fields = new ArrayList<>();
    for (int i = 0; i < pojo.getArity(); i++) {
      fields.add(pojo.getPojoFieldAt(i));
    }
    return new PojoTypeInfo<>(pojo.getTypeClass(), fields) {};
  }

  @Test
  void same_neverAsksTheUsersEquals() throws IOException {
    SerializedForm<Item> form = SerializedForm.of(TypeInformation.of(Item.class), CONFIG);

    assertThat(new Item("a", 1)).isEqualTo(new Item("b", 2)); // its equals says yes to all
    assertThat(form.same(new Item("a", 1), new Item("b", 2))).isFalse();
    assertThat(form.same(new Item("a", 1), new Item("a", 1))).isTrue();
  }

  @Test
  void same_bigDecimalsByTheirBytes_notByEquals() throws IOException {
    SerializedForm<BigDecimal> form = SerializedForm.of(Types.BIG_DEC, CONFIG);

    // equal values, but the serializer writes the constant ZERO unlike any other zero
    assertThat(form.same(BigDecimal.ZERO, new BigDecimal("0")))
        .isEqualTo(sameBytes(Types.BIG_DEC, BigDecimal.ZERO, new BigDecimal("0")));
    assertThat(form.same(new BigDecimal("1.0"), new BigDecimal("1.00"))).isFalse(); // scale
    assertThat(form.same(new BigDecimal("1.5"), new BigDecimal("1.5"))).isTrue();
  }

  /** Asserts {@code same} and {@code write} against the serializer; returns {@code same}. */
  private static <T> boolean assertSameFormAsSerializer(TypeInformation<T> type, T a, T b)
      throws IOException {
    SerializedForm<T> form = SerializedForm.of(type, CONFIG);
    boolean same = form.same(a, b);
    assertThat(same).as("same(%s, %s)", a, b).isEqualTo(sameBytes(type, a, b));
    SerializedForm<T> reflective = SerializedForm.of(type, CONFIG, false);
    assertThat(reflective.same(a, b)).as("same(%s, %s) through reflection", a, b).isEqualTo(same);
    assertThat(reflective.isCompiled()).isFalse();
    assertThat(written(reflective, a)).isEqualTo(serialized(type, a));
    assertThat(written(form, a)).isEqualTo(serialized(type, a));
    assertThat(written(form, b)).isEqualTo(serialized(type, b));
    return same;
  }

  private static <T> boolean sameBytes(TypeInformation<T> type, T a, T b) throws IOException {
    return Arrays.equals(serialized(type, a), serialized(type, b));
  }

  private static <T> byte[] serialized(TypeInformation<T> type, T value) throws IOException {
    TypeSerializer<T> serializer = type.createSerializer(CONFIG);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(value, out);
    return out.getCopyOfBuffer();
  }

  private static <T> byte[] written(SerializedForm<T> form, T value) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(16); // small: writes must grow it
    out.writeByte(7); // and must append to what is there
    form.write(value, out);
    byte[] bytes = out.getCopyOfBuffer();
    return Arrays.copyOfRange(bytes, 1, bytes.length);
  }

  private static final String LONG_STRING = "x".repeat(200);

  private static final String[] STRINGS_NOT_NULL = {
    "", "a", "b", "é", "日本", "a\u0080", LONG_STRING
  };

  private static final String[] STRINGS = {
    null, "", "a", "b", "é", "日本", "a\u0080", LONG_STRING, LONG_STRING + "é"
  };

  private static final double[] DOUBLES = {
    0.0, -0.0, 1.5, Double.NaN, Double.longBitsToDouble(0x7ff8_0000_0000_0001L)
  };

  private static <T> T pick(Random random, T[] values) {
    return values[random.nextInt(values.length)];
  }

  private static double pick(Random random, double[] values) {
    return values[random.nextInt(values.length)];
  }

  private static List<String> strings(Random random, boolean nulls) {
    List<String> list = new ArrayList<>();
    int n = random.nextInt(3);
    for (int i = 0; i < n; i++) {
      String s = pick(random, STRINGS);
      list.add(s == null && !nulls ? "" : s);
    }
    return list;
  }

  /** A nested POJO whose {@code equals} says every item is equal: it must not be asked. */
  public static class Item {
    public String sku;
    public int qty;

    public Item() {}

    Item(String sku, int qty) {
      this.sku = sku;
      this.qty = qty;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Item;
    }

    @Override
    public int hashCode() {
      return 0;
    }

    @Override
    public String toString() {
      return getClass().getSimpleName() + "{" + sku + ", " + qty + "}";
    }
  }

  /** An instance of a POJO type's subclass: the serializer writes its class name too. */
  public static class SpecialItem extends Item {
    public String note;

    public SpecialItem() {}

    SpecialItem(String sku, int qty, String note) {
      super(sku, qty);
      this.note = note;
    }
  }

  /** A POJO with private fields, read by Flink's serializer through the fields, not the getters. */
  public static class Hidden {
    private long id;
    private String name;

    public Hidden() {}

    Hidden(long id, String name) {
      this.id = id;
      this.name = name;
    }

    public long getId() {
      return -1; // a getter that lies: the field is what is serialized and compared
    }

    public void setId(long id) {
      this.id = id;
    }

    public String getName() {
      return "";
    }

    public void setName(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return "Hidden{" + id + ", " + name + "}";
    }
  }

  public enum Status {
    NEW,
    PAID
  }

  /** A record: a POJO type in Flink 2. */
  public record Point(long x, double y) {}

  /** Every kind of field, each from a small domain so that pairs collide often. */
  public static class Wide {
    public long id;
    public int count;
    public double price;
    public boolean flag;
    public float ratio;
    public short small;
    public char letter;
    public String name;
    public Long boxedLong;
    public Double boxedDouble;
    public Status status;
    public int[] ints;
    public String[] tags;
    public List<String> notes;
    public Item item;
    public Point point;
    public Map<String, Integer> counts;
    public BigDecimal amount;
    public Instant at;

    public Wide() {}

    static Wide random(Random r) {
      Wide w = new Wide();
      for (int field = 0; field < FIELDS; field++) {
        w.set(field, r);
      }
      return w;
    }

    static final int FIELDS = 19;

    Wide mutated(Random r) {
      Wide w = copy();
      int changes = r.nextInt(3);
      for (int i = 0; i < changes; i++) {
        w.set(r.nextInt(FIELDS), r);
      }
      return w;
    }

    /** A copy sharing no mutable parts, with new instances of the strings. */
    Wide copy() {
      Wide w = new Wide();
      w.id = id;
      w.count = count;
      w.price = price;
      w.flag = flag;
      w.ratio = ratio;
      w.small = small;
      w.letter = letter;
      w.name = name == null ? null : new String(name);
      w.boxedLong = boxedLong;
      w.boxedDouble = boxedDouble;
      w.status = status;
      w.ints = ints == null ? null : ints.clone();
      w.tags = tags == null ? null : tags.clone();
      w.notes = notes == null ? null : new ArrayList<>(notes);
      w.item =
          item == null
              ? null
              : item instanceof SpecialItem
                  ? new SpecialItem(item.sku, item.qty, ((SpecialItem) item).note)
                  : new Item(item.sku, item.qty);
      w.point = point;
      w.counts = counts == null ? null : new LinkedHashMap<>(counts);
      w.amount = amount;
      w.at = at;
      return w;
    }

    private void set(int field, Random r) {
      switch (field) {
        case 0 -> id = r.nextInt(2) - 1L;
        case 1 -> count = r.nextInt(2);
        case 2 -> price = pick(r, DOUBLES);
        case 3 -> flag = r.nextBoolean();
        case 4 -> ratio = r.nextBoolean() ? -0.0f : (r.nextBoolean() ? 0.0f : Float.NaN);
        case 5 -> small = (short) r.nextInt(2);
        case 6 -> letter = r.nextBoolean() ? 'a' : 'é';
        case 7 -> name = pick(r, STRINGS);
        case 8 -> boxedLong = r.nextBoolean() ? null : (long) r.nextInt(2) + 1000;
        case 9 -> boxedDouble = r.nextBoolean() ? null : pick(r, DOUBLES);
        case 10 -> status = r.nextBoolean() ? null : pick(r, Status.values());
        case 11 -> ints = r.nextBoolean() ? null : new int[] {r.nextInt(2)};
        case 12 -> tags = r.nextBoolean() ? null : new String[] {pick(r, STRINGS)};
        case 13 -> notes = r.nextBoolean() ? null : strings(r, true);
        case 14 -> item = item(r);
        case 15 -> point = r.nextBoolean() ? null : new Point(r.nextInt(2), pick(r, DOUBLES));
        case 16 -> counts = counts(r);
        case 17 -> amount = pick(r, AMOUNTS);
        default -> at = r.nextBoolean() ? null : Instant.ofEpochSecond(0, r.nextInt(2));
      }
    }

    private static Item item(Random r) {
      switch (r.nextInt(3)) {
        case 0:
          return null;
        case 1:
          return new Item(pick(r, STRINGS), r.nextInt(2));
        default:
          return new SpecialItem(pick(r, STRINGS), r.nextInt(2), pick(r, STRINGS));
      }
    }

    /** Equal maps that can iterate in different orders: their bytes differ. */
    private static Map<String, Integer> counts(Random r) {
      if (r.nextBoolean()) {
        return null;
      }
      Map<String, Integer> map = r.nextBoolean() ? new LinkedHashMap<>() : new HashMap<>();
      if (r.nextBoolean()) {
        map.put("a", 1);
        map.put("b", 2);
      } else {
        map.put("b", 2);
        map.put("a", 1);
      }
      return map;
    }

    private static final BigDecimal[] AMOUNTS = {
      null, BigDecimal.ZERO, new BigDecimal("0"), new BigDecimal("1.0"), new BigDecimal("1.00")
    };

    @Override
    public String toString() {
      return "Wide{"
          + Arrays.asList(
              id,
              count,
              price,
              flag,
              ratio,
              small,
              letter,
              name,
              boxedLong,
              boxedDouble,
              status,
              Arrays.toString(ints),
              Arrays.toString(tags),
              notes,
              item,
              point,
              counts,
              amount,
              at)
          + "}";
    }
  }
}
