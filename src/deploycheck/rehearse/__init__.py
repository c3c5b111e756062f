"""The deploy rehearsal: Render's deploy of a Blueprint's web services, replayed on real
containers behind a real load balancer, under load.

- :mod:`.target`: what is deployed, read from ``render.yaml`` (plan limits, health path,
  pre-deploy command, shutdown delay, scaling, env rules) and the env Render would wire;
- :mod:`.stack`: one stack (network, PostgreSQL, Key Value, HAProxy, app instances);
- :mod:`.instances`, :mod:`.balancer`: app instances and the proxy's runtime API;
- :mod:`.deploys`: Render's deploy sequence; :mod:`.faults`: datastore outages;
- :mod:`.restarts`: Render's restarts of crashed and unhealthy instances; :mod:`.workers`: the
  Blueprint's workers beside the web service;
- :mod:`.load`: bounded load driven by a :class:`~.load.Workload` (the project's requests);
- :mod:`.scenarios`: what ``deploycheck rehearse`` runs; :mod:`.runner`, :mod:`.command`: the
  command; :mod:`.service_images`, :mod:`.images`: the services' and datastores' images;
- :mod:`.verdicts`, :mod:`.report`: what a scenario promised and the report with its charts.

Generic: what differs between projects (the requests to send, a write to verify, a setup
command) comes from a workload, never from this package. Like :mod:`deploycheck.testing`,
this is code that needs the ``testing`` extra (testcontainers, psycopg, redis) and a Docker
engine; the checkers never import it.
"""
