package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class ValueEqualityTest {
  /** A Flink POJO without an equals of its own. */
  public static class Address {
    public String city;
  }

  /** A Flink POJO with one. */
  public static class Point {
    public int x;

    @Override
    public boolean equals(Object o) {
      return o instanceof Point && ((Point) o).x == x;
    }

    @Override
    public int hashCode() {
      return Objects.hash(x);
    }
  }

  /** Equal by equals, but hashed by identity (no hashCode: the point of the class). */
  public static class EqualsOnly {
    public int x;

    @Override
    public boolean equals(Object o) {
      return o instanceof EqualsOnly && ((EqualsOnly) o).x == x;
    }
  }

  /** A POJO without equals that holds one without equals: compared field by field by a caller. */
  public static class Holder {
    public String id;
    public Point point;
  }

  public enum Tier {
    GOLD
  }

  public record Customer(String id, Tier tier, Point point, List<String> tags) {}

  public record Placed(String id, Address address) {}

  public record TierKey(String id, Tier tier) {}

  public record Tagged(String id, String[] tags) {}

  public record Lines(String id, List<Address> lines) {}

  public record Nested(String id, Placed placed) {}

  public record Counts(String id, Map<String, int[]> counts) {}

  private static Optional<String> part(TypeInformation<?> type) {
    return ValueEquality.identityComparedPart(type, "v", true);
  }

  @Test
  void valueTypes_haveValueEquality() {
    assertThat(part(Types.STRING)).isEmpty();
    assertThat(part(Types.LONG)).isEmpty();
    assertThat(part(Types.INSTANT)).isEmpty();
    assertThat(part(Types.ENUM(Tier.class))).isEmpty();
    assertThat(part(TypeInformation.of(Point.class))).isEmpty();
    assertThat(part(TypeInformation.of(Customer.class))).isEmpty();
    assertThat(part(Types.ROW(Types.STRING, Types.PRIMITIVE_ARRAY(Types.INT)))).isEmpty();
    assertThat(part(Types.TUPLE(Types.STRING, Types.POJO(Point.class)))).isEmpty();
    assertThat(part(Types.LIST(Types.POJO(Point.class)))).isEmpty();
    assertThat(part(Types.MAP(Types.STRING, Types.POJO(Point.class)))).isEmpty();
    assertThat(part(TypeInformation.of(new TypeHint<Tuple2<String, Long>>() {}))).isEmpty();
  }

  @Test
  void arrays_areComparedDeepAtTheTop_andInRows() {
    assertThat(part(Types.OBJECT_ARRAY(Types.STRING))).isEmpty();
    assertThat(part(Types.PRIMITIVE_ARRAY(Types.BYTE))).isEmpty();
    assertThat(part(Types.OBJECT_ARRAY(Types.OBJECT_ARRAY(Types.STRING)))).isEmpty();
    assertThat(part(Types.ROW_NAMED(new String[] {"a"}, Types.OBJECT_ARRAY(Types.STRING))))
        .isEmpty();
    // Compared with equals, not deepEquals, by the caller: an array is compared by identity.
    assertThat(ValueEquality.identityComparedPart(Types.OBJECT_ARRAY(Types.STRING), "v", false))
        .hasValueSatisfying(p -> assertThat(p).startsWith("v (an array"));
  }

  @Test
  void aClassWithoutEquals_isFound_whereverItIs() {
    assertThat(part(TypeInformation.of(Address.class)))
        .hasValue("v (" + Address.class.getName() + ")");
    assertThat(part(TypeInformation.of(Placed.class)))
        .hasValue("v.address (" + Address.class.getName() + ")");
    assertThat(part(TypeInformation.of(Nested.class)))
        .hasValue("v.placed.address (" + Address.class.getName() + ")");
    assertThat(part(TypeInformation.of(Lines.class)))
        .hasValue("v.lines<element> (" + Address.class.getName() + ")");
    assertThat(part(Types.MAP(Types.POJO(Address.class), Types.STRING)))
        .hasValue("v<key> (" + Address.class.getName() + ")");
    assertThat(part(Types.TUPLE(Types.STRING, Types.POJO(Address.class))))
        .hasValue("v.f1 (" + Address.class.getName() + ")");
    assertThat(part(Types.ROW_NAMED(new String[] {"a"}, Types.POJO(Address.class))))
        .hasValue("v.a (" + Address.class.getName() + ")");
    assertThat(part(Types.OBJECT_ARRAY(Types.POJO(Address.class))))
        .hasValue("v[] (" + Address.class.getName() + ")");
  }

  @Test
  void anArrayInsideARecordTupleListOrMap_isFound() {
    assertThat(part(TypeInformation.of(Tagged.class)))
        .hasValueSatisfying(p -> assertThat(p).startsWith("v.tags (an array"));
    assertThat(part(TypeInformation.of(Counts.class)))
        .hasValueSatisfying(p -> assertThat(p).startsWith("v.counts<value> (an array"));
    assertThat(part(Types.TUPLE(Types.STRING, Types.PRIMITIVE_ARRAY(Types.INT))))
        .hasValueSatisfying(p -> assertThat(p).startsWith("v.f1 (an array"));
    assertThat(part(Types.LIST(Types.PRIMITIVE_ARRAY(Types.INT))))
        .hasValueSatisfying(p -> assertThat(p).startsWith("v<element> (an array"));
  }

  @Test
  void aClassWithEquals_isTrusted_withoutLookingInside() {
    // Holder has no equals: found. Point inside it has one, and a class with equals is not opened.
    assertThat(part(TypeInformation.of(Holder.class)))
        .hasValue("v (" + Holder.class.getName() + ")");
    assertThat(part(Types.POJO(Point.class))).isEmpty();
  }

  @Test
  void partsThatMayHoldAnything_areNotJudged() {
    assertThat(part(Types.GENERIC(Object.class))).isEmpty();
    assertThat(part(Types.GENERIC(Number.class))).isEmpty();
    assertThat(part(Types.GENERIC(CharSequence.class))).isEmpty();
    assertThat(part(Types.ROW(Types.STRING))).isEmpty();
    assertThat(part(TypeInformation.of(Row.class))).isEmpty();
  }

  @Test
  void keys_needHashCodeToo_andArraysAreIdentityEvenAtTheTop() {
    assertThat(ValueEquality.identityComparedPart(Types.POJO(EqualsOnly.class), "k", true))
        .isEmpty();
    assertThat(ValueEquality.identityHashedPart(Types.POJO(EqualsOnly.class), "k"))
        .hasValue("k (" + EqualsOnly.class.getName() + ")");
    assertThat(
            ValueEquality.identityHashedPart(
                Types.TUPLE(Types.STRING, Types.POJO(EqualsOnly.class)), "k"))
        .hasValue("k.f1 (" + EqualsOnly.class.getName() + ")");
    assertThat(ValueEquality.identityHashedPart(Types.PRIMITIVE_ARRAY(Types.BYTE), "k"))
        .hasValueSatisfying(p -> assertThat(p).startsWith("k (an array"));
    assertThat(ValueEquality.identityHashedPart(Types.POJO(Point.class), "k")).isEmpty();
    assertThat(ValueEquality.identityHashedPart(TypeInformation.of(Customer.class), "k")).isEmpty();
    assertThat(ValueEquality.identityHashedPart(Types.STRING, "k")).isEmpty();
  }

  /**
   * An enum's hashCode is its identity hash, different in every JVM, and a record hashes its
   * components with their hashCode. Flink's keyBy refuses an enum key and one inside a tuple or a
   * row, but not inside a record (a POJO to Flink): it assigns the record key's group from that
   * hash in the sending JVM and again in the receiving one and after every restore, so the same key
   * lands in different key groups (a failure, or state not found). A keyed step must refuse it.
   */
  @Test
  void requireKeyEquality_recordWithAnEnumComponent_isRefused() {
    assertThat(Tier.GOLD.hashCode()).isEqualTo(System.identityHashCode(Tier.GOLD));

    assertThatThrownBy(
            () ->
                ValueEquality.requireKeyEquality(
                    TypeInformation.of(TierKey.class), "dedup step 'tiers'"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dedup step 'tiers': key.tier");
    assertThatThrownBy(
            () ->
                ValueEquality.requireKeyEquality(
                    Types.LIST(Types.ENUM(Tier.class)), "dedup step 'tiers'"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dedup step 'tiers': key<element>");
  }
}
