package dev.etlkit.operators.enrich.http;

import javax.annotation.Nullable;

/** The value the test API returns for a customer. */
public record Profile(String id, String name, @Nullable Integer score) {

  static Profile of(String id) {
    return new Profile(id, "Customer " + id, id.length());
  }
}
