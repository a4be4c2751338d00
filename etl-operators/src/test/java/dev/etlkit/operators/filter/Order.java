package dev.etlkit.operators.filter;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/** A test order, parsed from {@code id,region,status,cents}. */
public record Order(String id, String region, String status, long cents) {

  public static final TypeInformation<Order> TYPE_INFO = TypeInformation.of(Order.class);

  /** Parses {@code id,region,status,cents}; anything else throws. */
  public static Order parse(String csv) {
    String[] f = csv.split(",", -1);
    if (f.length != 4) {
      throw new IllegalArgumentException("expected 4 fields, got " + f.length);
    }
    return new Order(f[0], f[1], f[2], Long.parseLong(f[3]));
  }

  public boolean isPaid() {
    return status.equals("PAID");
  }

  /** Orders of at least 10.00; a negative amount is an error, not a small order. */
  public boolean isBig() {
    if (cents < 0) {
      throw new IllegalStateException("negative amount");
    }
    return cents >= 1000;
  }

  /** True if the order is from {@code wanted}; an order without a region is an error. */
  public boolean inRegion(String wanted) {
    if (region.isEmpty()) {
      throw new IllegalArgumentException("order has no region");
    }
    return region.equals(wanted);
  }
}
