package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var role, name string
	create := &cobra.Command{
		Use:   "create --role ROLE --name NAME",
		Short: "Issue an API token; its secret is printed once and only its hash is stored",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !registry.Role(role).Valid() {
				return usageError{fmt.Errorf("--role must be one of admin, certifier, scanner, analyst")}
			}
			return a.withStore(cmd.Context(), func(s *sqlstore.Store) error {
				t, secret, err := s.CreateToken(cmd.Context(), name, registry.Role(role))
				if err != nil {
					return err
				}
				if a.json {
					return a.printJSON(map[string]any{"id": t.ID, "name": t.Name, "role": t.Role, "secret": secret})
				}
				a.say("token %d %q with role %s; keep the secret, it is not shown again:", t.ID, t.Name, t.Role)
				fmt.Fprintln(a.stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&role, "role", "", "admin, certifier, scanner or analyst")
	create.Flags().StringVar(&name, "name", "", "who or what uses the token")
	create.MarkFlagRequired("role")
	create.MarkFlagRequired("name")
	cmd.AddCommand(create)
	return cmd
}
