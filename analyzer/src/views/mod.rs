//! Terminal views modelled on ps, pstree, systemd-cgls, lsns and crictl pods, and the model export.
