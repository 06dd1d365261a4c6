package org.medlabel.gateway.monai;

import org.medlabel.gateway.http.Api;

/** A group of MONAI Label endpoints. */
public interface MonaiRoutes {

    void register(Api api);
}
